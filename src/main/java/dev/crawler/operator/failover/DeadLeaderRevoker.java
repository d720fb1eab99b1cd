package dev.crawler.operator.failover;

import dev.crawler.operator.events.ClusterEvent;
import dev.crawler.operator.status.LeaderFields;
import dev.crawler.operator.status.LeaderStatus;
import static dev.crawler.api.CrawlerMasterConditions.LEADER_REVOKED;

import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.election.Election;
import dev.crawler.election.ElectionState;
import dev.crawler.support.Failures;
import dev.crawler.election.Candidate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revokes the etcd lease of a leader whose process the kubelet reports gone ({@link
 * DeadLeaderEvidence}), so the next candidate leads now instead of when the lease expires. Only the
 * key and term the operator observed are revoked ({@link Election#revokeIfStill}), so a successor that won
 * meanwhile is never hit.
 */
public final class DeadLeaderRevoker {
  private static final Logger log = LoggerFactory.getLogger(DeadLeaderRevoker.class);
  /** A read and a revoke in etcd. */
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private DeadLeaderRevoker() {}

  /**
   * Revokes the observed leader's lease when the evidence says its process is gone. Returns the
   * Event to record, present only when a lease was actually revoked. Blocks for at most {@link
   * #TIMEOUT} (a read and a revoke in etcd), plus a GET of the pod when the informer has none; a
   * failure is logged and the lease expires by itself.
   *
   * @param where the cluster, {@code namespace/name}, as the log lines name it
   * @param getPod a GET of a pod by name in the cluster's namespace; null when there is none
   */
  public static Optional<ClusterEvent> revokeIfGone(
      String where,
      CrawlerMasterStatus previous,
      LeaderStatus next,
      Optional<ElectionState> observation,
      List<Pod> pods,
      Function<String, Pod> getPod,
      Optional<Election> election) {
    if (observation.isEmpty() || election.isEmpty()) {
      return Optional.empty();
    }
    ElectionState o = observation.get();
    LeaderFields fields = next.fields();
    if (!o.etcdReachable() || !o.hasLeader() || fields.term() == null || o.term() != fields.term()) {
      return Optional.empty();
    }
    Candidate seen = o.leader().orElseThrow();
    Optional<Pod> pod = pods.stream().filter(p -> p.getMetadata().getName().equals(fields.leader())).findFirst();
    Optional<String> evidence = DeadLeaderEvidence.of(previous, fields, pod);
    if (evidence.isPresent() && pod.isEmpty()) {
      // "Gone" from the informer, which selects by label: a pod whose labels were changed is
      // missing there but alive. Only a GET by name that finds nothing confirms it. (Reached only
      // for a leader already known as this cluster's pod, so the name is a pod name.)
      try {
        Pod found = getPod.apply(fields.leader());
        if (found != null) {
          evidence = DeadLeaderEvidence.of(previous, fields, Optional.of(found));
        }
      } catch (KubernetesClientException e) {
        log.warn("{}: cannot look up pod {} to confirm it is gone: {}", where, fields.leader(), e.getMessage());
        return Optional.empty();
      }
    }
    if (evidence.isEmpty()) {
      return Optional.empty();
    }
    try {
      Optional<Long> lease = election.get().revokeIfStill(seen).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (lease.isEmpty()) {
        return Optional.empty();
      }
      String message = "revoked the etcd lease of leader " + fields.leader() + " (term " + seen.term()
          + ") because its process is gone: " + evidence.get();
      log.info("{}: {}", where, message);
      return Optional.of(ClusterEvent.warning(LEADER_REVOKED, message));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (Exception e) {
      log.warn("{}: could not revoke the lease of dead leader {} (term {}): {}; it expires with its TTL",
          where, fields.leader(), seen.term(), Failures.describe(e));
      return Optional.empty();
    }
  }
}
