package dev.crawler.operator;

import dev.crawler.election.LeaderInfo;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the operator saw of one cluster's election at one moment: the current leader (the
 * candidate key with the lowest create revision, as etcd's election recipe defines it), or no
 * leader, or that etcd could not be read.
 *
 * @param leaderKey the leader's key in etcd, {@code <election>/<lease hex>}; null when there is no
 *     leader or etcd is unreachable
 * @param leaderValue the leader's proposal value as text, exactly as stored; null without a leader
 * @param leaderInfo the value parsed as {@link LeaderInfo}; empty when there is no leader or the
 *     value is not our JSON (another client of the same election)
 * @param term the leader key's create revision; 0 without a leader
 * @param etcdReachable false when the last read or watch of the election failed
 * @param error why etcd is unreachable; null when reachable
 * @param observedAt wall-clock time at which the operator first saw this state
 * @param seenAtNanos {@link System#nanoTime()} at which the change reached the operator (the watch
 *     event, or the failure), for measuring how long it takes to propagate
 */
public record ElectionObservation(
    String leaderKey,
    String leaderValue,
    Optional<LeaderInfo> leaderInfo,
    long term,
    boolean etcdReachable,
    String error,
    Instant observedAt,
    long seenAtNanos) {

  public ElectionObservation {
    Objects.requireNonNull(leaderInfo, "leaderInfo");
    Objects.requireNonNull(observedAt, "observedAt");
  }

  public static ElectionObservation leader(
      String key, String value, long term, Instant observedAt, long seenAtNanos) {
    return new ElectionObservation(
        key, value, LeaderInfo.parse(value), term, true, null, observedAt, seenAtNanos);
  }

  public static ElectionObservation noLeader(Instant observedAt, long seenAtNanos) {
    return new ElectionObservation(
        null, null, Optional.empty(), 0, true, null, observedAt, seenAtNanos);
  }

  public static ElectionObservation unreachable(String error, Instant observedAt, long seenAtNanos) {
    return new ElectionObservation(
        null, null, Optional.empty(), 0, false, error, observedAt, seenAtNanos);
  }

  public boolean hasLeader() {
    return leaderKey != null;
  }

  /**
   * True when the two observations differ in something a reconcile must act on: the leader key,
   * its term, its value, or etcd's reachability. A changed error text alone does not count, so a
   * flapping error message cannot cause a reconcile storm.
   */
  public boolean differsFrom(ElectionObservation other) {
    return other == null
        || etcdReachable != other.etcdReachable
        || term != other.term
        || !Objects.equals(leaderKey, other.leaderKey)
        || !Objects.equals(leaderValue, other.leaderValue);
  }
}
