package dev.crawler.operator.events;

import static dev.crawler.api.CrawlerMasterConditions.INVALID_SPEC;
import static dev.crawler.api.CrawlerMasterConditions.NORMAL;
import static dev.crawler.api.CrawlerMasterConditions.READY;
import static dev.crawler.api.CrawlerMasterConditions.WARNING;
import static dev.crawler.api.CrawlerMasterConditions.find;

import dev.crawler.api.CrawlerMasterStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.Objects;
import java.util.Optional;

/**
 * A Kubernetes Event the reconciler records on a CrawlerMaster because its status changed. Decided
 * from the stored status, never from memory of earlier reconciles, so one change yields one Event
 * even across operator restarts. Reasons come from {@link dev.crawler.api.CrawlerMasterConditions}.
 *
 * @param type {@code Normal} or {@code Warning}
 */
public record ClusterEvent(String type, String reason, String message) {

  public static ClusterEvent normal(String reason, String message) {
    return new ClusterEvent(NORMAL, reason, message);
  }

  public static ClusterEvent warning(String reason, String message) {
    return new ClusterEvent(WARNING, reason, message);
  }

  /**
   * The InvalidSpec Warning when {@code next} reports an invalid spec that {@code previous} did
   * not report with the same message: one Warning per distinct problem, not one per reconcile.
   */
  public static Optional<ClusterEvent> invalidSpec(CrawlerMasterStatus previous, CrawlerMasterStatus next) {
    Optional<Condition> now = find(next, READY).filter(c -> INVALID_SPEC.equals(c.getReason()));
    if (now.isEmpty()) {
      return Optional.empty();
    }
    boolean known = find(previous, READY)
        .filter(c -> INVALID_SPEC.equals(c.getReason()))
        .filter(c -> Objects.equals(c.getMessage(), now.get().getMessage()))
        .isPresent();
    return known ? Optional.empty() : Optional.of(warning(INVALID_SPEC, now.get().getMessage()));
  }
}
