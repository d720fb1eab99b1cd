package dev.crawler.operator.events;

import dev.crawler.operator.resources.MasterResources;
import dev.crawler.api.CrawlerMaster;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events about a CrawlerMaster; which Events to write is decided elsewhere ({@link
 * ClusterEvent}). Events are best effort: a failure is logged, never thrown.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);

  private final KubernetesClient client;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void record(CrawlerMaster cm, ClusterEvent event) {
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
      log.warn("Could not record event {} for CrawlerMaster {}/{}: {}", reason,
          cm.getMetadata().getNamespace(), cm.getMetadata().getName(), e.getMessage());
    }
  }
}
