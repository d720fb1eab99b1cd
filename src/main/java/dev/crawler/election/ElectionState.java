package dev.crawler.election;

import dev.crawler.etcd.EtcdFailure;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What an {@link Observation} saw of an election at one moment: its leader, or that nobody leads,
 * or that etcd could not be read.
 *
 * @param leader the current leader; empty when nobody leads or etcd is unreachable
 * @param etcdReachable false when the last read or watch of the election failed
 * @param error why etcd is unreachable; null when reachable
 * @param failure the kind of that cause ({@link EtcdFailure}); null when reachable
 * @param observedAt wall-clock time at which this state was first seen
 * @param seenAtNanos {@link System#nanoTime()} at which the change reached this process (the watch
 *     event, or the failure), for measuring how long it takes to propagate
 */
public record ElectionState(
    Optional<Candidate> leader,
    boolean etcdReachable,
    String error,
    EtcdFailure.Kind failure,
    Instant observedAt,
    long seenAtNanos) {

  public ElectionState {
    Objects.requireNonNull(leader, "leader");
    Objects.requireNonNull(observedAt, "observedAt");
  }

  public static ElectionState leading(Candidate leader, Instant observedAt, long seenAtNanos) {
    return new ElectionState(Optional.of(leader), true, null, null, observedAt, seenAtNanos);
  }

  public static ElectionState noLeader(Instant observedAt, long seenAtNanos) {
    return new ElectionState(Optional.empty(), true, null, null, observedAt, seenAtNanos);
  }

  /** etcd did not answer. */
  public static ElectionState unreachable(String error, Instant observedAt, long seenAtNanos) {
    return unreachable(EtcdFailure.Kind.UNREACHABLE, error, observedAt, seenAtNanos);
  }

  /** etcd could not be read, for the given kind of cause. */
  public static ElectionState unreachable(
      EtcdFailure.Kind failure, String error, Instant observedAt, long seenAtNanos) {
    return new ElectionState(Optional.empty(), false, error, failure, observedAt, seenAtNanos);
  }

  public boolean hasLeader() {
    return leader.isPresent();
  }

  /** The leader's term; 0 without a leader. */
  public long term() {
    return leader.map(Candidate::term).orElse(0L);
  }

  /**
   * True when the two states differ in something a watcher must act on: the leader key, its term,
   * its value, etcd's reachability, or the kind of failure (a fixed password that now meets a
   * missing permission is news). A changed error text alone does not count, so a flapping error
   * message cannot cause a reconcile storm.
   */
  public boolean differsFrom(ElectionState other) {
    return other == null
        || etcdReachable != other.etcdReachable
        || failure != other.failure
        || !Objects.equals(leader.map(Candidate::key), other.leader.map(Candidate::key))
        || term() != other.term()
        || !Objects.equals(leader.map(Candidate::value), other.leader.map(Candidate::value));
  }
}
