package dev.crawler.operator;

/**
 * A Kubernetes Event the reconciler should record on the CrawlerMaster because the election
 * changed. Decided from the status, so one change yields one Event even across operator restarts.
 *
 * @param type {@code Normal} or {@code Warning}
 */
public record LeaderEvent(String type, String reason, String message) {
  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";

  static LeaderEvent normal(String reason, String message) {
    return new LeaderEvent(NORMAL, reason, message);
  }

  static LeaderEvent warning(String reason, String message) {
    return new LeaderEvent(WARNING, reason, message);
  }
}
