package dev.crawler.operator.status;

import dev.crawler.operator.etcd.EtcdSecrets;
import dev.crawler.operator.events.ClusterEvent;
import static dev.crawler.api.CrawlerMasterConditions.ELECTED;
import static dev.crawler.api.CrawlerMasterConditions.ETCD_REACHABLE;
import static dev.crawler.api.CrawlerMasterConditions.ETCD_UNREACHABLE;
import static dev.crawler.api.CrawlerMasterConditions.FALSE;
import static dev.crawler.api.CrawlerMasterConditions.LEADER_ELECTED;
import static dev.crawler.api.CrawlerMasterConditions.NO_LEADER;
import static dev.crawler.api.CrawlerMasterConditions.OBSERVING;
import static dev.crawler.api.CrawlerMasterConditions.REACHABLE;
import static dev.crawler.api.CrawlerMasterConditions.TRUE;
import static dev.crawler.api.CrawlerMasterConditions.UNKNOWN;
import static dev.crawler.api.CrawlerMasterConditions.UNKNOWN_LEADER;
import static dev.crawler.api.CrawlerMasterConditions.UNREACHABLE;
import static dev.crawler.api.CrawlerMasterConditions.condition;
import static dev.crawler.api.CrawlerMasterConditions.find;

import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.election.ElectionState;
import dev.crawler.election.Candidate;
import dev.crawler.election.CandidateInfo;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the election means for a CrawlerMaster's status, decided by {@link #decide} from the
 * previous status and the latest {@link ElectionState}. Everything is derived from the status
 * itself (not from memory of earlier reconciles), so an operator restart neither loses nor
 * double-counts a transition, and emits no Event for a change the status already shows.
 *
 * @param fields status.leader and the other leader fields; status.leader is the leader's replica
 *     id (pod name), or its raw value when that is not our JSON; null when there is no leader
 * @param leaderPod the pod to label {@code crawler.dev/role=leader}: present only when etcd was
 *     read and the leader is one of this cluster's pods
 * @param rolesDecided false until the election has been read once since the operator started;
 *     pod role labels should then be left as they are rather than demoting a working leader
 * @param conditions LeaderElected and EtcdReachable; {@link StatusAggregator} stamps their
 *     lastTransitionTime and generation
 * @param transition the change of the shown leader, if any: the one decision of "the leader changed"
 * @param events Events to record on the CrawlerMaster; empty unless something changed
 */
public record LeaderStatus(
    LeaderFields fields,
    Optional<String> leaderPod,
    boolean rolesDecided,
    List<Condition> conditions,
    Optional<LeaderTransition> transition,
    List<ClusterEvent> events) {

  /** status.leader is shown verbatim for foreign values; keep it a readable size. */
  static final int MAX_SHOWN_VALUE = 253;

  public LeaderStatus {
    conditions = List.copyOf(conditions);
    events = List.copyOf(events);
  }

  /**
   * @param previous the status as it is now (null for a new CrawlerMaster)
   * @param observation the event source's latest state; empty before the first read finished
   * @param podNames the names of this cluster's master pods
   */
  public static LeaderStatus decide(
      CrawlerMasterStatus previous, Optional<ElectionState> observation, Set<String> podNames) {
    CrawlerMasterStatus prev = previous == null ? new CrawlerMasterStatus() : previous;
    long prevTransitions = prev.getLeaderTransitions() == null ? 0 : prev.getLeaderTransitions();
    LeaderFields kept = LeaderFields.of(prev).withTransitions(prevTransitions);
    if (observation.isEmpty()) {
      // Right after an operator restart the status still says what the last operator saw; the
      // first read follows within a round trip and triggers a reconcile. Flipping the conditions
      // to Unknown meanwhile would only make Ready flap on every restart.
      String waiting = "the operator has not read the election in etcd yet";
      return new LeaderStatus(
          kept, Optional.empty(), false,
          List.of(
              find(prev.getConditions(), LEADER_ELECTED)
                  .orElseGet(() -> condition(LEADER_ELECTED, UNKNOWN, OBSERVING, waiting)),
              find(prev.getConditions(), ETCD_REACHABLE)
                  .orElseGet(() -> condition(ETCD_REACHABLE, UNKNOWN, OBSERVING, waiting))),
          Optional.empty(),
          List.of());
    }
    ElectionState o = observation.get();
    if (!o.etcdReachable()) {
      return unreachable(prev, kept, o);
    }
    Condition reachable = condition(ETCD_REACHABLE, TRUE, REACHABLE, "the election in etcd can be read");
    if (!o.hasLeader()) {
      List<ClusterEvent> events = new ArrayList<>();
      if (prev.getLeader() != null) {
        events.add(ClusterEvent.warning(NO_LEADER,
            "no replica leads any more (last leader " + prev.getLeader() + ", term "
                + prev.getTerm() + ")"));
      }
      return new LeaderStatus(
          new LeaderFields(null, null, null, null, prevTransitions), Optional.empty(), true,
          List.of(
              condition(LEADER_ELECTED, FALSE, NO_LEADER,
                  "no replica holds the election; one takes over as soon as a ready replica"
                      + " campaigns"),
              reachable),
          LeaderTransition.between(prev, null, null, o.seenAtNanos()),
          events);
    }

    Candidate current = o.leader().orElseThrow();
    Optional<CandidateInfo> info = current.info();
    String leader = info.map(CandidateInfo::id).orElse(shown(current.value()));
    Optional<LeaderTransition> transition = LeaderTransition.between(prev, leader, o.term(), o.seenAtNanos());
    boolean changed = transition.isPresent();
    long transitions = prevTransitions + (changed ? 1 : 0);
    String since =
        changed || prev.getLeaderSince() == null
            ? DateTimeFormatter.ISO_INSTANT.format(o.observedAt().truncatedTo(ChronoUnit.SECONDS))
            : prev.getLeaderSince();
    boolean ourPod = info.isPresent() && podNames.contains(leader);

    List<ClusterEvent> events = new ArrayList<>();
    Condition elected;
    if (ourPod) {
      elected = condition(LEADER_ELECTED, TRUE, ELECTED, leader + " leads in term " + o.term());
      if (changed) {
        events.add(ClusterEvent.normal(LEADER_ELECTED, leader + " became leader, term " + o.term()));
      }
    } else {
      String why =
          info.isPresent()
              ? "the election is led by \"" + leader + "\" (term " + o.term() + "), which is not"
                  + " a pod of this cluster"
              : "the election is led by a value that is not a master replica's proposal (term "
                  + o.term() + ", key " + current.key() + ")";
      elected = condition(LEADER_ELECTED, FALSE, UNKNOWN_LEADER,
          why + "; another client may be campaigning in the same election: give each"
              + " CrawlerMaster its own spec.etcd.keyPrefix");
      if (changed) {
        events.add(ClusterEvent.warning(UNKNOWN_LEADER, why));
      }
    }
    return new LeaderStatus(
        new LeaderFields(leader, info.map(CandidateInfo::address).orElse(null), o.term(), since, transitions),
        ourPod ? Optional.of(leader) : Optional.empty(), true, List.of(elected, reachable),
        transition, events);
  }

  private static LeaderStatus unreachable(CrawlerMasterStatus prev, LeaderFields kept, ElectionState o) {
    return cannotRead(prev, kept, EtcdSecrets.reason(o.failure()), o.error());
  }

  /**
   * The election cannot be read because the CrawlerMaster's etcd Secrets are unusable ({@link
   * EtcdSecrets.Problem}): reported like an etcd that cannot be read, with the Secret's reason.
   */
  public static LeaderStatus unusableSecrets(CrawlerMasterStatus previous, EtcdSecrets.Problem problem) {
    CrawlerMasterStatus prev = previous == null ? new CrawlerMasterStatus() : previous;
    long prevTransitions = prev.getLeaderTransitions() == null ? 0 : prev.getLeaderTransitions();
    return cannotRead(prev, LeaderFields.of(prev).withTransitions(prevTransitions), problem.reason(), problem.message());
  }

  /** A Warning Event whenever the reason changes (not for each new error text of the same cause). */
  private static LeaderStatus cannotRead(CrawlerMasterStatus prev, LeaderFields kept, String reason, String message) {
    boolean sameReason =
        find(prev.getConditions(), ETCD_REACHABLE)
            .map(c -> FALSE.equals(c.getStatus()) && reason.equals(c.getReason()))
            .orElse(false);
    List<ClusterEvent> events =
        sameReason ? List.of() : List.of(ClusterEvent.warning(UNREACHABLE.equals(reason) ? ETCD_UNREACHABLE : reason, message));
    // The last known leader stays in status (it may well still lead), and the role labels stay as
    // they are: the operator losing etcd does not mean the masters did (a partition may cut only
    // the operator off), so it does not re-route traffic on what it cannot see. If etcd is down
    // for the masters too, the leader steps down by itself and answers 503.
    return new LeaderStatus(
        kept, Optional.empty(), false,
        List.of(
            condition(LEADER_ELECTED, FALSE, ETCD_UNREACHABLE, message),
            condition(ETCD_REACHABLE, FALSE, reason, message)),
        Optional.empty(),
        events);
  }

  private static String shown(String value) {
    return value.length() <= MAX_SHOWN_VALUE ? value : value.substring(0, MAX_SHOWN_VALUE) + "…";
  }
}
