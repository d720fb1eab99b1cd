package dev.crawler.operator.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.election.Candidate;
import dev.crawler.election.Election;
import dev.crawler.operator.resources.MasterResources;
import dev.crawler.support.Json;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the reconciler's "act" step does to the masters beyond applying the dependents: the next
 * rollout step ({@link RolloutPlan}: delete a pod, or ask the leader to hand over first), and the
 * switchover the annotation asks for (remove the annotation, ask the leader over HTTP). A failed or
 * lost answer of the leader is checked against who leads now, re-read from etcd.
 */
public final class MasterUpdates {
  private static final Logger log = LoggerFactory.getLogger(MasterUpdates.class);

  /** The StatefulSet controller's label of a pod's template revision. */
  public static final String REVISION_LABEL = "controller-revision-hash";
  /** How long to wait for etcd when checking who leads after a failed switchover answer. */
  private static final Duration LEADER_REREAD_TIMEOUT = Duration.ofSeconds(2);

  private final MasterApiClient masterApi;
  private final Function<ResourceID, Optional<Election>> elections;

  /** @param elections the election a CrawlerMaster's masters run in, while it is followed */
  public MasterUpdates(MasterApiClient masterApi, Function<ResourceID, Optional<Election>> elections) {
    this.masterApi = masterApi;
    this.elections = elections;
  }

  /** Whether the pod's Ready condition is True. */
  public static boolean isReady(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /**
   * Takes the next step of updating the master pods ({@link RolloutPlan}): delete one outdated
   * follower, or hand leadership to an updated follower, or nothing. Returns the step for the status.
   */
  public RolloutPlan.Step rollout(CrawlerMaster cm, Context<CrawlerMaster> context, List<Pod> pods,
      Optional<String> leaderPod, int replicas) {
    Optional<StatefulSet> sts = context.getSecondaryResource(StatefulSet.class);
    Optional<String> updateRevision = sts
        .filter(s -> s.getStatus() != null
            && Objects.equals(s.getStatus().getObservedGeneration(), s.getMetadata().getGeneration()))
        .map(s -> s.getStatus().getUpdateRevision());
    List<RolloutPlan.PodState> states = pods.stream().map(p -> new RolloutPlan.PodState(
        p.getMetadata().getName(),
        p.getMetadata().getLabels() == null ? "" : Objects.requireNonNullElse(p.getMetadata().getLabels().get(REVISION_LABEL), ""),
        isReady(p),
        p.getMetadata().getDeletionTimestamp() != null)).toList();
    RolloutPlan.Step step = RolloutPlan.next(updateRevision, states, replicas, leaderPod);
    String where = cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName();
    if (step instanceof RolloutPlan.DeletePod delete) {
      log.info("{}: updating pod {} (a follower, or the last one)", where, delete.pod());
      context.getClient().pods().inNamespace(cm.getMetadata().getNamespace()).withName(delete.pod()).delete();
    } else if (step instanceof RolloutPlan.SwitchoverTo target) {
      Optional<String> address = leaderAddress(cm);
      if (address.isEmpty()) {
        return new RolloutPlan.Retry("waiting for a known leader to switch over to " + target.pod());
      }
      try {
        SwitchoverOutcome outcome = askSwitchover(cm, pods, address.get(), Optional.of(target.pod()));
        log.info("{}: before updating the leader: {}", where, outcome.message());
        if (!outcome.succeeded()) {
          return new RolloutPlan.Retry("switchover to " + target.pod() + " failed, retrying: " + outcome.message());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return step;
  }

  /**
   * Does the switchover the annotation asks for, at most once: the annotation is removed first
   * (only while it still holds the value read), then the leader is asked through the address in the
   * status (it forwards if it stepped down meanwhile). A failure is reported, not retried.
   */
  public Optional<SwitchoverOutcome> switchoverIfAsked(CrawlerMaster cm, Context<CrawlerMaster> context, List<Pod> pods) {
    Optional<Optional<String>> asked = SwitchoverOutcome.requested(cm);
    if (asked.isEmpty()) {
      return Optional.empty();
    }
    String value = SwitchoverOutcome.annotation(cm).orElseThrow();
    String path = "/metadata/annotations/" + CrawlerMaster.SWITCHOVER_TO_ANNOTATION.replace("~", "~0").replace("/", "~1");
    try {
      context.getClient().resources(CrawlerMaster.class)
          .inNamespace(cm.getMetadata().getNamespace())
          .withName(cm.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON), Json.MAPPER.writeValueAsString(List.of(
              Map.of("op", "test", "path", path, "value", value),
              Map.of("op", "remove", "path", path))));
    } catch (KubernetesClientException | JsonProcessingException e) {
      // Someone changed or removed it meanwhile: the next reconcile sees what is there now.
      log.info("switchover annotation of {}/{} changed before it was taken: {}",
          cm.getMetadata().getNamespace(), cm.getMetadata().getName(), e.getMessage());
      return Optional.empty();
    }
    Optional<String> address = leaderAddress(cm);
    if (address.isEmpty()) {
      return Optional.of(SwitchoverOutcome.failed("switchover to " + value + ": no leader known"));
    }
    try {
      SwitchoverOutcome outcome = askSwitchover(cm, pods, address.get(), asked.get());
      log.info("{}/{}: {}", cm.getMetadata().getNamespace(), cm.getMetadata().getName(), outcome.message());
      return Optional.of(outcome);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of(SwitchoverOutcome.failed("switchover to " + value + ": interrupted"));
    }
  }

  /** The stored leader's address, the one the switchover requests go to; empty when none is known. */
  private static Optional<String> leaderAddress(CrawlerMaster cm) {
    return Optional.ofNullable(cm.getStatus()).map(CrawlerMasterStatus::getLeaderAddress).filter(a -> !a.isBlank());
  }

  /**
   * Asks the leader at {@code address} for a switchover, if that is a master pod of the cluster
   * ({@link LeaderAddress}); a failed or lost answer is checked against who leads now, in etcd: the
   * candidate may have taken over all the same.
   */
  private SwitchoverOutcome askSwitchover(CrawlerMaster cm, List<Pod> pods, String address, Optional<String> candidate)
      throws InterruptedException {
    Optional<String> refused = LeaderAddress.refusal(address, MasterResources.port(cm.getSpec()), pods);
    if (refused.isPresent()) {
      return SwitchoverOutcome.failed("switchover " + SwitchoverOutcome.asked(candidate) + ": " + refused.get());
    }
    SwitchoverOutcome outcome = masterApi.switchover(address, candidate);
    if (outcome.succeeded()) {
      return outcome;
    }
    Optional<Election> election = elections.apply(ResourceID.fromResource(cm));
    if (election.isEmpty()) {
      return outcome;
    }
    try {
      Optional<Candidate> now = election.get().leader().get(LEADER_REREAD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return outcome.confirmedBy(now, candidate, cm.getStatus() == null ? null : cm.getStatus().getLeader());
    } catch (ExecutionException | TimeoutException e) {
      return outcome;
    }
  }
}
