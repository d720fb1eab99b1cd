package dev.crawler.operator.status;

import dev.crawler.operator.rollout.RolloutPlan;
import dev.crawler.operator.rollout.SwitchoverOutcome;
import static dev.crawler.api.CrawlerMasterConditions.ALL_REPLICAS_UPDATED;
import static dev.crawler.api.CrawlerMasterConditions.ETCD_REACHABLE;
import static dev.crawler.api.CrawlerMasterConditions.FALSE;
import static dev.crawler.api.CrawlerMasterConditions.INVALID_SPEC;
import static dev.crawler.api.CrawlerMasterConditions.LEADER_ELECTED;
import static dev.crawler.api.CrawlerMasterConditions.OBSERVING;
import static dev.crawler.api.CrawlerMasterConditions.READY;
import static dev.crawler.api.CrawlerMasterConditions.RECONCILE_ERROR;
import static dev.crawler.api.CrawlerMasterConditions.REPLICAS_NOT_READY;
import static dev.crawler.api.CrawlerMasterConditions.REPLICAS_READY_AND_LEADER_ELECTED;
import static dev.crawler.api.CrawlerMasterConditions.SWITCHOVER;
import static dev.crawler.api.CrawlerMasterConditions.TRUE;
import static dev.crawler.api.CrawlerMasterConditions.UPDATED;
import static dev.crawler.api.CrawlerMasterConditions.UPDATING;
import static dev.crawler.api.CrawlerMasterConditions.find;

import dev.crawler.api.CrawlerMasterStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one place that computes a CrawlerMaster's status from what the reconciler observed. Feed it
 * the inputs (spec verdict, StatefulSet, the election as decided by {@link LeaderStatus#decide}),
 * then {@link #build()}. Every condition carries the CR's generation; a condition keeps its {@code
 * lastTransitionTime} unless its status flips. {@code Ready} summarizes: replicas ready and one of
 * this cluster's pods elected leader. Without an election input (invalid spec, failed reconcile)
 * the leader fields and election conditions are carried over from the previous status unchanged.
 */
public final class StatusAggregator {
  /** Condition messages are for people: long exception chains are cut. */
  static final int MAX_MESSAGE_LENGTH = 1024;

  private final CrawlerMasterStatus previous;
  private final Long generation;
  private final Instant now;
  private Optional<String> invalidSpec = Optional.empty();
  private Optional<String> reconcileError = Optional.empty();
  private int desiredReplicas;
  private Integer replicas;
  private Integer readyReplicas;
  private LeaderStatus leader;
  private Optional<SwitchoverOutcome> switchover = Optional.empty();
  private Optional<RolloutPlan.Step> rollout = Optional.empty();

  /**
   * @param previous the status the CR carries now (may be null)
   * @param generation the CR's metadata.generation being acted on
   * @param now when a condition that flips now is said to have transitioned
   */
  private static final int NO_WORKERS = -1;
  private Optional<Integer> workers = Optional.empty();

  public StatusAggregator(CrawlerMasterStatus previous, Long generation, Instant now) {
    this.previous = previous == null ? new CrawlerMasterStatus() : previous;
    this.generation = generation;
    this.now = now;
  }

  /** The validator's verdict; a present message makes {@code Ready=False/InvalidSpec}. */
  public StatusAggregator invalidSpec(Optional<String> message) {
    this.invalidSpec = message;
    return this;
  }

  /** Why the last attempt to apply the dependents failed; JOSDK retries it. */
  public StatusAggregator reconcileError(String message) {
    this.reconcileError = Optional.of(message == null ? "unknown error" : message);
    return this;
  }

  /** The replicas the spec asks for and the StatefulSet as observed (null when it does not exist). */
  public StatusAggregator replicas(int desired, StatefulSet statefulSet) {
    this.desiredReplicas = desired;
    StatefulSetStatus s = statefulSet == null ? null : statefulSet.getStatus();
    this.replicas = statefulSet == null ? null : s == null || s.getReplicas() == null ? 0 : s.getReplicas();
    this.readyReplicas =
        statefulSet == null ? null : s == null || s.getReadyReplicas() == null ? 0 : s.getReadyReplicas();
    return this;
  }

  /**
   * Workers registered in etcd as counted in this reconcile, or null to show none (no
   * {@code spec.workers}); not called (the count failed): the previous figure is kept.
   */
  public StatusAggregator workers(Integer registered) {
    this.workers = Optional.of(registered == null ? NO_WORKERS : registered);
    return this;
  }

  /** The election's meaning for this cluster: leader fields and the LeaderElected/EtcdReachable conditions. */
  public StatusAggregator leader(LeaderStatus leader) {
    this.leader = leader;
    return this;
  }

  /** Where the update of the replicas stands; without it the previous {@code Updated} condition is kept. */
  public StatusAggregator rollout(RolloutPlan.Step step) {
    this.rollout = Optional.of(step);
    return this;
  }

  /** The outcome of a switchover done in this reconcile; without one the previous {@code Switchover} condition is kept. */
  public StatusAggregator switchover(Optional<SwitchoverOutcome> outcome) {
    this.switchover = outcome;
    return this;
  }

  public CrawlerMasterStatus build() {
    CrawlerMasterStatus next = new CrawlerMasterStatus();
    next.setObservedGeneration(generation);
    next.setReplicas(replicas);
    next.setReadyReplicas(readyReplicas);
    next.setWorkers(workers.isEmpty() ? previous.getWorkers() : workers.get() == NO_WORKERS ? null : workers.get());
    List<Condition> election = new ArrayList<>();
    if (leader == null) {
      LeaderFields.of(previous).writeTo(next);
      find(previous, LEADER_ELECTED).ifPresent(election::add);
      find(previous, ETCD_REACHABLE).ifPresent(election::add);
    } else {
      leader.fields().writeTo(next);
      for (Condition c : leader.conditions()) {
        election.add(condition(c.getType(), c.getStatus(), c.getReason(), c.getMessage()));
      }
    }
    List<Condition> conditions = new ArrayList<>();
    conditions.add(ready(find(election, LEADER_ELECTED)));
    conditions.addAll(election);
    if (rollout.isPresent()) {
      boolean done = rollout.get() instanceof RolloutPlan.Done;
      conditions.add(condition(UPDATED, done, done ? ALL_REPLICAS_UPDATED : UPDATING, rollout.get().describe()));
    } else {
      find(previous, UPDATED).ifPresent(conditions::add);
    }
    if (switchover.isPresent()) {
      conditions.add(condition(SWITCHOVER, switchover.get().succeeded(), switchover.get().reason(), switchover.get().message()));
    } else {
      find(previous, SWITCHOVER).ifPresent(conditions::add);
    }
    next.setConditions(conditions);
    return next;
  }

  private Condition ready(Optional<Condition> elected) {
    if (invalidSpec.isPresent()) {
      return condition(READY, false, INVALID_SPEC, invalidSpec.get());
    }
    if (reconcileError.isPresent()) {
      return condition(READY, false, RECONCILE_ERROR, reconcileError.get());
    }
    int ready = readyReplicas == null ? 0 : readyReplicas;
    int current = replicas == null ? 0 : replicas;
    String counts = ready + "/" + desiredReplicas + " replicas ready";
    if (ready < desiredReplicas || current != desiredReplicas) {
      return condition(READY, false, REPLICAS_NOT_READY, counts);
    }
    if (elected.isEmpty()) {
      return condition(READY, false, OBSERVING, counts + "; the election has not been read yet");
    }
    Condition e = elected.get();
    boolean leads = TRUE.equals(e.getStatus());
    return condition(READY, leads, leads ? REPLICAS_READY_AND_LEADER_ELECTED : e.getReason(), counts + "; " + e.getMessage());
  }

  private Condition condition(String type, boolean status, String reason, String message) {
    return condition(type, status ? TRUE : FALSE, reason, message);
  }

  private Condition condition(String type, String statusValue, String reason, String message) {
    String transitioned = find(previous, type)
        .filter(c -> statusValue.equals(c.getStatus()) && c.getLastTransitionTime() != null)
        .map(Condition::getLastTransitionTime)
        .orElseGet(() -> DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS)));
    return new ConditionBuilder()
        .withType(type)
        .withStatus(statusValue)
        .withReason(reason)
        .withMessage(message.length() > MAX_MESSAGE_LENGTH ? message.substring(0, MAX_MESSAGE_LENGTH - 3) + "..." : message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(transitioned)
        .build();
  }
}
