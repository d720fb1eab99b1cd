package dev.crawler.operator;

import dev.crawler.api.CrawlerMasterStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Optional;

/**
 * What the election means for a CrawlerMaster's status, decided by {@link LeaderStatusDecider}.
 *
 * @param leader status.leader: the leader's replica id (pod name), or its raw value when that is
 *     not our JSON; null when there is no leader
 * @param leaderPod the pod to label {@code crawler.dev/role=leader}: present only when etcd was
 *     read and the leader is one of this cluster's pods
 * @param rolesDecided false until the election has been read once since the operator started;
 *     pod role labels should then be left as they are rather than demoting a working leader
 * @param conditions LeaderElected and EtcdReachable; {@link StatusAggregator} stamps their
 *     lastTransitionTime and generation
 * @param events Events to record on the CrawlerMaster; empty unless something changed
 */
public record LeaderStatus(
    String leader,
    String leaderAddress,
    Long term,
    String leaderSince,
    Long leaderTransitions,
    Optional<String> leaderPod,
    boolean rolesDecided,
    List<Condition> conditions,
    List<LeaderEvent> events) {

  public LeaderStatus {
    conditions = List.copyOf(conditions);
    events = List.copyOf(events);
  }

  /** Writes the leader fields (not the conditions: the aggregator merges those) into a status. */
  public void applyTo(CrawlerMasterStatus status) {
    status.setLeader(leader);
    status.setLeaderAddress(leaderAddress);
    status.setTerm(term);
    status.setLeaderSince(leaderSince);
    status.setLeaderTransitions(leaderTransitions);
  }
}
