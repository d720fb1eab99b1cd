package dev.crawler.operator.status;

import dev.crawler.api.CrawlerMasterStatus;
import java.util.Objects;
import java.util.Optional;

/**
 * A change of the leader a CrawlerMaster's status shows: another replica, another term, or none.
 * Decided once, by {@link LeaderStatus#decide}; the leaderTransitions count, the Events, the
 * metrics and the log line all take it from there.
 *
 * @param fromLeader status.leader before; null when none was shown
 * @param fromTerm status.term before; null when none was shown
 * @param toLeader status.leader after; null when nobody leads now
 * @param toTerm status.term after; null when nobody leads now
 * @param seenAtNanos {@link System#nanoTime()} at which the change reached the operator
 */
public record LeaderTransition(String fromLeader, Long fromTerm, String toLeader, Long toTerm, long seenAtNanos) {

  /** The transition from what {@code previous} shows to {@code leader} in {@code term}; empty when they are the same. */
  public static Optional<LeaderTransition> between(
      CrawlerMasterStatus previous, String leader, Long term, long seenAtNanos) {
    String fromLeader = previous == null ? null : previous.getLeader();
    Long fromTerm = previous == null ? null : previous.getTerm();
    if (Objects.equals(fromLeader, leader) && Objects.equals(fromTerm, term)) {
      return Optional.empty();
    }
    return Optional.of(new LeaderTransition(fromLeader, fromTerm, leader, term, seenAtNanos));
  }

  /** True when nobody leads after it. */
  public boolean toNoLeader() {
    return toLeader == null;
  }
}
