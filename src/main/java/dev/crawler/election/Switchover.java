package dev.crawler.election;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A planned leader change to a chosen candidate, decided from the election's queue. Pure: the
 * leader reads the queue, these functions say what to do with it, {@link LeadershipLoop#switchover}
 * does it.
 *
 * <p>etcd hands leadership to the oldest waiting key, so the candidates queued between the leader
 * and the target must step behind the target first: the leader revokes their leases (each only
 * while its key holds the term seen, {@link Election#revokeIfStill}); their loops campaign again
 * with a fresh lease, which queues them last. Then the queue reads leader, target, others, and the
 * leader resigns: the target is the only key etcd can hand leadership to.
 */
public final class Switchover {
  private Switchover() {}

  /** Why a switchover was not done. */
  public enum Refusal {
    /** This replica does not lead (any more); ask the leader. */
    NOT_LEADER,
    /** No candidate with that id is in the election. */
    UNKNOWN_CANDIDATE,
    /** The candidate leads already. */
    CANDIDATE_LEADS,
    /** The candidate is in the election but does not answer as ready, or left it mid-way. */
    CANDIDATE_NOT_READY,
    /** No follower is ready to take over. */
    NO_READY_CANDIDATE,
    /** Another switchover is under way on this leader. */
    IN_PROGRESS,
    /** The leader resigned, but the target did not lead within the wait (it died mid-way). */
    TARGET_DID_NOT_TAKE_OVER
  }

  /** What a switchover came to: the new leader, or why not (with the leader there is, if any). */
  public sealed interface Result {}

  public record Done(Candidate previous, Candidate next) implements Result {}

  public record Refused(Refusal refusal, String message, Optional<Candidate> leader) implements Result, Choice {
    public Refused(Refusal refusal, String message) {
      this(refusal, message, Optional.empty());
    }
  }

  /** The target chosen from the queue, or why there is none. */
  public sealed interface Choice {}

  public record Target(Candidate candidate) implements Choice {}

  /**
   * Chooses the target from {@code queue} (queue order, the leader first). With a candidate id: that
   * replica's newest key (an older key of the same id is a previous incarnation's). Without one: the
   * first follower in queue order that is ready; every follower reads the same etcd, so none is
   * behind another in data, and the one next in line needs the fewest keys moved.
   *
   * @param ready asked only of keys that would otherwise be chosen
   */
  public static Choice choose(List<Candidate> queue, Optional<String> candidateId, Predicate<Candidate> ready) {
    if (queue.isEmpty()) {
      return new Refused(Refusal.NOT_LEADER, "nobody leads");
    }
    Candidate leader = queue.get(0);
    if (candidateId.isPresent()) {
      String id = candidateId.get();
      Optional<Candidate> newest = queue.stream()
          .filter(l -> l.info().isPresent() && l.id().equals(id))
          .max(Comparator.comparingLong(Candidate::term));
      if (newest.isEmpty()) {
        return new Refused(Refusal.UNKNOWN_CANDIDATE, "no replica '" + id + "' takes part in the election");
      }
      if (id.equals(leader.id())) {
        return new Refused(Refusal.CANDIDATE_LEADS, "replica '" + id + "' leads already (term " + leader.term() + ")");
      }
      if (!ready.test(newest.get())) {
        return new Refused(Refusal.CANDIDATE_NOT_READY, "replica '" + id + "' is not ready; try another or wait");
      }
      return new Target(newest.get());
    }
    for (Candidate follower : queue.subList(1, queue.size())) {
      if (follower.info().isPresent() && !follower.id().equals(leader.id()) && ready.test(follower)) {
        return new Target(follower);
      }
    }
    return new Refused(Refusal.NO_READY_CANDIDATE, "no follower is ready to take over");
  }

  /** The keys queued between the leader and {@code target}: they must step behind it. */
  public static List<Candidate> ahead(List<Candidate> queue, Candidate target) {
    List<Candidate> ahead = new ArrayList<>();
    for (Candidate l : queue.subList(Math.min(1, queue.size()), queue.size())) {
      if (l.term() >= target.term()) {
        break;
      }
      ahead.add(l);
    }
    return ahead;
  }

  /** True when a resign of term {@code term} hands leadership to {@code target} and nobody else. */
  public static boolean arranged(List<Candidate> queue, long term, Candidate target) {
    return queue.size() >= 2
        && queue.get(0).term() == term
        && queue.get(1).term() == target.term()
        && queue.get(1).key().equals(target.key());
  }
}
