package dev.crawler.operator.rollout;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The next step of a master update, decided from the pods as observed. Pure. The StatefulSet uses
 * {@code OnDelete}, so pods change only when the operator deletes them: followers first, one at a
 * time, each back and Ready before the next; then one switchover to an updated follower; then the
 * old leader, now a follower. A spec change thus moves the leadership once, onto a pod that is
 * already updated, where a rolling update would move it up to once per pod.
 */
public final class RolloutPlan {
  private RolloutPlan() {}

  /** One master pod as the plan needs it. */
  public record PodState(String name, String revision, boolean ready, boolean deleting) {}

  public sealed interface Step {
    /** A short description for the status condition. */
    String describe();
  }

  /** Every pod runs the update revision. */
  public record Done() implements Step {
    public String describe() {
      return "all replicas updated";
    }
  }

  /** A pod is missing, not ready or going away: wait before touching the next. */
  public record Wait(String why) implements Step {
    public String describe() {
      return why;
    }
  }

  /** A step could not be taken (the leader did not hand over, or is not known to ask): try again soon. */
  public record Retry(String why) implements Step {
    public String describe() {
      return why;
    }
  }

  /** Delete this outdated follower; the StatefulSet controller creates it again at the update revision. */
  public record DeletePod(String pod) implements Step {
    public String describe() {
      return "updating " + pod;
    }
  }

  /** Only the leader is outdated: hand leadership to this updated, ready follower first. */
  public record SwitchoverTo(String pod) implements Step {
    public String describe() {
      return "switching over to " + pod + " before updating the leader";
    }
  }

  /**
   * Whether the operator must look again on its own after {@code step}. {@link Wait} needs no
   * polling: everything the plan reads arrives as an event (the StatefulSet's status through its
   * informer; a pod's appearance, deletion, labels, readiness and container state through the pod
   * informer; the leader through the election watch). Polling it would reconcile every cluster
   * whose pods cannot start once a second, for as long as they cannot.
   */
  public static boolean looksAgainSoon(Step step) {
    return step instanceof DeletePod || step instanceof SwitchoverTo || step instanceof Retry;
  }

  /**
   * @param updateRevision the StatefulSet's {@code status.updateRevision}; empty when not known yet
   * @param pods the master pods that exist
   * @param replicas how many the spec asks for
   * @param leader the pod that leads, if any
   */
  public static Step next(Optional<String> updateRevision, List<PodState> pods, int replicas, Optional<String> leader) {
    if (updateRevision.isEmpty()) {
      return new Wait("waiting for the StatefulSet's update revision");
    }
    String revision = updateRevision.get();
    List<PodState> outdated = pods.stream().filter(p -> !revision.equals(p.revision())).toList();
    if (outdated.isEmpty()) {
      return pods.size() >= replicas && pods.stream().allMatch(PodState::ready)
          ? new Done()
          : new Wait(updatedCount(pods, revision) + "/" + replicas + " replicas updated; waiting for them to be ready");
    }
    String progress = updatedCount(pods, revision) + "/" + replicas + " replicas updated";
    if (pods.size() < replicas || pods.stream().anyMatch(PodState::deleting)) {
      return new Wait(progress + "; waiting for every replica to be back");
    }
    // An outdated pod that is not ready serves nobody, and the update may be its fix: replace it first.
    Optional<PodState> broken = outdated.stream()
        .filter(p -> !p.ready() && !leader.equals(Optional.of(p.name())))
        .max(Comparator.comparing(PodState::name));
    if (broken.isPresent()) {
      return new DeletePod(broken.get().name());
    }
    if (pods.stream().anyMatch(p -> !p.ready())) {
      return new Wait(progress + "; waiting for every replica to be ready");
    }
    if (leader.isEmpty() && replicas > 1) {
      // Deleting blindly could hit the leader: wait until the election is known.
      return new Wait(progress + "; waiting for a known leader");
    }
    Optional<PodState> follower = outdated.stream()
        .filter(p -> !leader.equals(Optional.of(p.name())))
        .max(Comparator.comparing(PodState::name));
    if (follower.isPresent()) {
      return new DeletePod(follower.get().name());
    }
    // Only the leader is left outdated.
    Optional<PodState> successor = pods.stream()
        .filter(p -> revision.equals(p.revision()) && p.ready())
        .min(Comparator.comparing(PodState::name));
    if (successor.isEmpty()) {
      // A single replica: nobody to hand over to; updating it is a plain restart.
      return new DeletePod(outdated.get(0).name());
    }
    return new SwitchoverTo(successor.get().name());
  }

  private static long updatedCount(List<PodState> pods, String revision) {
    return pods.stream().filter(p -> revision.equals(p.revision())).count();
  }
}
