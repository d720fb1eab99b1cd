package dev.crawler.operator.failover;

import dev.crawler.operator.resources.MasterResources;
import dev.crawler.operator.status.LeaderFields;
import static dev.crawler.api.CrawlerMasterConditions.ELECTED;
import static dev.crawler.api.CrawlerMasterConditions.LEADER_ELECTED;
import static dev.crawler.api.CrawlerMasterConditions.TRUE;
import static dev.crawler.api.CrawlerMasterConditions.find;

import dev.crawler.api.CrawlerMasterStatus;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides from what the kubelet reports whether the leader's process is gone: the operator's
 * contribution to crash failover. Pure; {@link DeadLeaderRevoker} acts on it.
 *
 * <p>The leader's process was running when it took over, which was at or before {@code
 * status.leaderSince} (the moment the operator saw the new term). So any of these, more than
 * {@link #CLOCK_MARGIN} after leaderSince, means that process is gone: the master container terminated, it terminated and was
 * restarted (its last state, or a running container started later), the pod was created again, or
 * the pod is gone (confirmed by a GET of the pod by name, not only its absence from the
 * label-selected informer). A container runs one master process and one container of a pod never runs
 * twice at once. Only a leader the operator already knew as this cluster's pod in the same term
 * (status and LeaderElected=Elected stored) is judged, so a pod that merely has not reached the
 * informer yet is never "gone". Where this can still be wrong (the kubelet's node clock ahead of
 * the operator's by more than the margin plus the time between takeover and leaderSince; a force-deleted pod
 * whose process still runs on a lost node) the fence on every leader write keeps the revoked
 * leader from writing: a wrong revoke costs one election, never a stale write.
 */
public final class DeadLeaderEvidence {
  /**
   * How much later than leaderSince a kubelet time must be to count. leaderSince comes from the
   * operator's clock, container and pod times from the node's, both in whole seconds: without a
   * margin a node clock a second ahead would date the start of the process that took over after
   * leaderSince and revoke a healthy leader. A margin keeps this one comparison; clock-free
   * evidence (the restart count and container id as of the takeover) would need them stored in the
   * status. The cost: a crash within this long of the takeover is left to the lease's expiry.
   */
  static final Duration CLOCK_MARGIN = Duration.ofSeconds(2);

  private DeadLeaderEvidence() {}

  /**
   * Why the leader in {@code next} is known to be gone; empty when nothing proves it.
   *
   * @param previous the stored status (null for a new CrawlerMaster)
   * @param next the leader fields this reconcile decided
   * @param leaderPod the pod named by {@code next.leader()}, empty when it does not exist (a GET by
   *     name answered 404; missing from the label-selected informer is not enough)
   */
  static Optional<String> of(CrawlerMasterStatus previous, LeaderFields next, Optional<Pod> leaderPod) {
    if (previous == null || next.leader() == null || next.term() == null || next.leaderSince() == null
        || !next.leader().equals(previous.getLeader()) || !next.term().equals(previous.getTerm())
        || !find(previous, LEADER_ELECTED)
            .map(c -> ELECTED.equals(c.getReason()) && TRUE.equals(c.getStatus()))
            .orElse(false)) {
      return Optional.empty();
    }
    Optional<Instant> since = instant(next.leaderSince()).map(s -> s.plus(CLOCK_MARGIN));
    if (since.isEmpty()) {
      return Optional.empty();
    }
    String pod = next.leader();
    if (leaderPod.isEmpty()) {
      return Optional.of("pod " + pod + " is gone");
    }
    Pod p = leaderPod.get();
    String after = ", after it took over (leaderSince " + next.leaderSince() + ")";
    Optional<Instant> created = instant(p.getMetadata().getCreationTimestamp());
    if (created.isPresent() && created.get().isAfter(since.get())) {
      return Optional.of("pod " + pod + " was created again at " + created.get() + after);
    }
    Optional<ContainerStatus> master = masterContainer(p);
    if (master.isEmpty()) {
      return Optional.empty();
    }
    ContainerStatus c = master.get();
    String container = "container " + MasterResources.CONTAINER_NAME + " of pod " + pod;
    Optional<ContainerStateTerminated> terminated = terminated(c.getState());
    if (terminated.isPresent() && finishedAfter(terminated.get(), since.get())) {
      return Optional.of(container + " terminated at " + describe(terminated.get()) + after);
    }
    Optional<ContainerStateTerminated> last = terminated(c.getLastState());
    if (last.isPresent() && finishedAfter(last.get(), since.get())) {
      return Optional.of(container + " terminated at " + describe(last.get()) + " and was restarted (restart count "
          + c.getRestartCount() + ")" + after);
    }
    Optional<Instant> started =
        Optional.ofNullable(c.getState()).map(ContainerState::getRunning).flatMap(r -> instant(r.getStartedAt()));
    if (started.isPresent() && started.get().isAfter(since.get())) {
      return Optional.of(container + " was started again at " + started.get() + " (restart count "
          + c.getRestartCount() + ")" + after);
    }
    return Optional.empty();
  }

  /**
   * Whether a pod update can change {@link #of}: the master container's restart count, state or
   * last state changed. The pod informer passes such updates on (and label changes), no others.
   */
  public static boolean masterContainerChanged(Pod now, Pod before) {
    Optional<ContainerStatus> a = masterContainer(now);
    Optional<ContainerStatus> b = masterContainer(before);
    return !Objects.equals(a.map(ContainerStatus::getRestartCount), b.map(ContainerStatus::getRestartCount))
        || !Objects.equals(a.map(ContainerStatus::getState).map(ContainerState::getTerminated),
            b.map(ContainerStatus::getState).map(ContainerState::getTerminated))
        || !Objects.equals(a.map(ContainerStatus::getLastState).map(ContainerState::getTerminated),
            b.map(ContainerStatus::getLastState).map(ContainerState::getTerminated));
  }

  private static Optional<ContainerStatus> masterContainer(Pod pod) {
    if (pod == null || pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(c -> MasterResources.CONTAINER_NAME.equals(c.getName()))
        .findFirst();
  }

  private static Optional<ContainerStateTerminated> terminated(ContainerState state) {
    return Optional.ofNullable(state).map(ContainerState::getTerminated);
  }

  private static boolean finishedAfter(ContainerStateTerminated t, Instant since) {
    return instant(t.getFinishedAt()).map(f -> f.isAfter(since)).orElse(false);
  }

  private static String describe(ContainerStateTerminated t) {
    return t.getFinishedAt() + " (reason " + t.getReason() + ", exit code " + t.getExitCode() + ")";
  }

  private static Optional<Instant> instant(String timestamp) {
    if (timestamp == null || timestamp.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(timestamp));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
