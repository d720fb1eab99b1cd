package dev.crawler.operator;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes core/v1 Events about a CrawlerMaster. Events are best effort: a failure is logged, never thrown. */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  private final KubernetesClient client;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /**
   * True when {@code next} reports an invalid spec that {@code previous} did not report with the
   * same message: a Warning is emitted once per distinct problem, not on every reconcile.
   */
  public static boolean newInvalidSpec(CrawlerMasterStatus previous, CrawlerMasterStatus next) {
    Optional<Condition> now = StatusAggregator.find(next, StatusAggregator.READY)
        .filter(c -> StatusAggregator.REASON_INVALID_SPEC.equals(c.getReason()));
    if (now.isEmpty()) {
      return false;
    }
    return StatusAggregator.find(previous, StatusAggregator.READY)
        .filter(c -> StatusAggregator.REASON_INVALID_SPEC.equals(c.getReason()))
        .filter(c -> Objects.equals(c.getMessage(), now.get().getMessage()))
        .isEmpty();
  }

  public void warning(CrawlerMaster cm, String reason, String message) {
    record(cm, LeaderEvent.WARNING, reason, message);
  }

  public void record(CrawlerMaster cm, LeaderEvent event) {
    record(cm, event.type(), event.reason(), event.message());
  }

  /** @param type {@code Normal} or {@code Warning} */
  public void record(CrawlerMaster cm, String type, String reason, String message) {
    String time = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    Event event = new EventBuilder()
        .withNewMetadata()
        .withName(cm.getMetadata().getName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()))
        .withNamespace(cm.getMetadata().getNamespace())
        .endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder()
            .withApiVersion(cm.getApiVersion())
            .withKind(cm.getKind())
            .withName(cm.getMetadata().getName())
            .withNamespace(cm.getMetadata().getNamespace())
            .withUid(cm.getMetadata().getUid())
            .withResourceVersion(cm.getMetadata().getResourceVersion())
            .build())
        .withType(type)
        .withReason(reason)
        .withMessage(message)
        .withNewSource()
        .withComponent(MasterResources.MANAGER)
        .endSource()
        .withReportingComponent(MasterResources.MANAGER)
        .withFirstTimestamp(time)
        .withLastTimestamp(time)
        .withCount(1)
        .build();
    try {
      client.v1().events().inNamespace(cm.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      LOG.warn("Could not record event {} for CrawlerMaster {}/{}: {}", reason,
          cm.getMetadata().getNamespace(), cm.getMetadata().getName(), e.getMessage());
    }
  }
}
