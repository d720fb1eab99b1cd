package dev.crawler.master.failover;

import dev.crawler.election.Candidate;
import dev.crawler.election.Election;
import dev.crawler.support.Failures;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica that starts cleans up after the process it replaces: any candidate key whose value
 * carries this replica's id is from an earlier run of this replica (a crashed container the kubelet
 * restarted, a killed process started again), and its lease is revoked before this run campaigns.
 * If that earlier run led, the next candidate takes over now instead of after the TTL.
 *
 * <p>Why this is safe: replica ids are unique in a cluster (the pod name of a StatefulSet) and one
 * container of a pod never runs twice at once, so the process that held such a lease is gone. The
 * one exception, a force-deleted pod whose old process still runs on an unreachable node, is
 * covered by the fence on every leader write: once its key is gone it cannot write. Runs before this
 * replica has a lease of its own, so it cannot revoke its own.
 */
public final class PreviousIncarnation {
  private static final Logger log = LoggerFactory.getLogger(PreviousIncarnation.class);

  private PreviousIncarnation() {}

  /** The candidates that carry {@code selfId}: those an earlier run of this replica left behind. */
  public static List<Candidate> leftBehind(List<Candidate> candidates, String selfId) {
    return candidates.stream()
        .filter(c -> c.leaseId() > 0)
        .filter(c -> c.info().map(i -> i.id().equals(selfId)).orElse(false))
        .toList();
  }

  /**
   * Reads the election's candidates and revokes the leases of those {@link #leftBehind} names. Best
   * effort: when etcd does not answer within {@code timeout} the replica starts anyway and such a
   * key just expires with its TTL.
   */
  public static void cleanUp(Election election, String selfId, Duration timeout, Revocations revocations) {
    try {
      List<Candidate> candidates = election.candidates().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      for (Candidate earlier : leftBehind(candidates, selfId)) {
        Optional<Long> revoked = election.revokeIfStill(earlier).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (revoked.isPresent()) {
          revocations.revoked(Revocations.Cause.PREVIOUS_INCARNATION);
          log.info("revoked lease {} that an earlier run of {} left in the election",
              Long.toHexString(revoked.get()), selfId);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("could not look for leases an earlier run left behind ({}); they expire with their TTL",
          Failures.describe(e));
    }
  }
}
