package dev.crawler.election;

import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A leader as etcd's election reports it. The term is the leader key's create revision: it
 * identifies the leadership and orders leaders (modRevision does not, it changes on proclaim).
 */
public record ObservedLeader(String key, long term, LeaderInfo info) {

  /** Empty when the proposal value is not a {@link LeaderInfo} (another client in the election). */
  public static Optional<ObservedLeader> from(KeyValue kv) {
    return LeaderInfo.parse(kv.getValue().getBytes())
        .map(info -> new ObservedLeader(kv.getKey().toString(StandardCharsets.UTF_8), kv.getCreateRevision(), info));
  }

  /**
   * Whether a leader of term {@code myTerm} must step down on seeing {@code observed}. Keys in an
   * election are ordered by create revision, so a leader with a higher one can only exist after
   * our key is gone; a lower one is a late event from before we won.
   */
  public static boolean supersedes(ObservedLeader observed, long myTerm) {
    return observed.term() > myTerm;
  }
}
