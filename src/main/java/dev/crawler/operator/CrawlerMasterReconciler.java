package dev.crawler.operator;

import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.operator.etcd.ElectionEventSource;
import dev.crawler.operator.etcd.EtcdSecrets;
import dev.crawler.operator.events.ClusterEvent;
import dev.crawler.operator.events.EventRecorder;
import dev.crawler.operator.failover.DeadLeaderEvidence;
import dev.crawler.operator.failover.DeadLeaderRevoker;
import dev.crawler.operator.resources.ClientServiceDependentResource;
import dev.crawler.operator.resources.HeadlessServiceDependentResource;
import dev.crawler.operator.resources.MasterResources;
import dev.crawler.operator.resources.MasterStatefulSetDependentResource;
import dev.crawler.operator.resources.PodRoleLabeler;
import dev.crawler.operator.rollout.MasterApiClient;
import dev.crawler.operator.rollout.RolloutPlan;
import dev.crawler.operator.rollout.SwitchoverOutcome;
import dev.crawler.operator.status.LeaderStatus;
import dev.crawler.operator.status.LeaderTransition;
import dev.crawler.operator.status.StatusAggregator;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.api.EtcdSpec;
import dev.crawler.election.Election;
import dev.crawler.election.ElectionState;
import dev.crawler.support.Json;
import dev.crawler.election.Candidate;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a CrawlerMaster: observe (StatefulSet, master pods, the etcd election) → validate
 * (spec, conflicts with other CRs) → act (dependents and pod role labels, only for a valid spec) →
 * report (status via {@link StatusAggregator}, Events for a newly invalid spec and for election
 * changes). The workflow is invoked explicitly so that an invalid spec leaves existing dependents
 * as they are: a reconcile precondition would delete them instead.
 *
 * <p>The election enters only through {@link ElectionEventSource}, which triggers a reconcile
 * on a real change; this reconciler is the only writer of the status. A master container's restart
 * or termination also triggers a reconcile, so that a leader the kubelet reports dead has its etcd
 * lease revoked at once ({@link DeadLeaderRevoker}).
 */
@ControllerConfiguration(
    name = CrawlerMasterReconciler.NAME,
    // Generation-aware, plus the switchover annotation (metadata changes do not bump the generation).
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = CrawlerMasterReconciler.SpecOrSwitchoverChanged.class))
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = CrawlerMasterReconciler.STATEFUL_SET, type = MasterStatefulSetDependentResource.class),
      @Dependent(name = CrawlerMasterReconciler.HEADLESS_SERVICE, type = HeadlessServiceDependentResource.class),
      @Dependent(
          name = CrawlerMasterReconciler.CLIENT_SERVICE,
          type = ClientServiceDependentResource.class,
          useEventSourceWithName = CrawlerMasterReconciler.HEADLESS_SERVICE)
    })
public class CrawlerMasterReconciler implements Reconciler<CrawlerMaster> {
  private static final Logger LOG = LoggerFactory.getLogger(CrawlerMasterReconciler.class);

  /** Controller name; also the field manager of its server-side applies. */
  public static final String NAME = MasterResources.MANAGER;
  static final String STATEFUL_SET = "statefulset";
  static final String HEADLESS_SERVICE = "headless-service";
  static final String CLIENT_SERVICE = "client-service";
  static final String PODS = "master-pods";
  static final String SECRETS = "etcd-secrets";
  /** Primary cache index: the namespace/name of each Secret a CrawlerMaster's spec.etcd names. */
  private static final String SECRET_INDEX = "etcd-secret";
  /** The StatefulSet controller's label of a pod's template revision. */
  static final String REVISION_LABEL = "controller-revision-hash";

  /**
   * An invalid spec is checked again after this long even without an event: a key-prefix conflict
   * clears when the other CrawlerMaster goes away, which does not trigger this one.
   */
  static final Duration INVALID_SPEC_RECHECK = Duration.ofMinutes(1);

  /** How soon a reconcile looks again after a rollout step was taken or failed. */
  static final Duration ROLLOUT_RECHECK = Duration.ofSeconds(1);
  /** How long to wait for etcd when checking who leads after a failed switchover answer. */
  private static final Duration LEADER_REREAD_TIMEOUT = Duration.ofSeconds(2);

  private final OperatorSettings settings;
  private final EventRecorder events;
  private final Clock clock;
  private final ElectionEventSource leaderWatch;
  private final OperatorMetrics metrics;
  private final MasterApiClient masterApi = new MasterApiClient();

  public CrawlerMasterReconciler(
      OperatorSettings settings,
      EventRecorder events,
      Clock clock,
      ElectionEventSource leaderWatch,
      OperatorMetrics metrics) {
    this.settings = settings;
    this.events = events;
    this.clock = clock;
    this.leaderWatch = leaderWatch;
    this.metrics = metrics;
  }

  /**
   * Besides the dependents' informers: the election watch, and an informer on every master pod
   * (mapped to its CrawlerMaster by the instance label; pods are owned by the StatefulSet, not the
   * CR). A pod triggers a reconcile when it appears or goes, and on an update that {@link
   * #podChangeMatters}: its labels (a new pod is labelled, a label removed by someone else is put
   * back), its readiness, its deletion being requested, or the master container's restarts or
   * termination. Other status updates do not.
   */
  @Override
  public List<EventSource<?, CrawlerMaster>> prepareEventSources(EventSourceContext<CrawlerMaster> context) {
    InformerEventSource<Pod, CrawlerMaster> pods = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Pod.class, CrawlerMaster.class)
            .withName(PODS)
            .withLabelSelector(MasterResources.PODS_SELECTOR)
            .withSecondaryToPrimaryMapper(CrawlerMasterReconciler::owningCrawlerMaster)
            .withOnUpdateFilter(CrawlerMasterReconciler::podChangeMatters)
            .build(),
        context);
    // The etcd Secrets are the user's (e.g. cert-manager's): they carry no label of ours, so the
    // informer takes every Secret in the watched namespaces and maps each to the CrawlerMasters
    // that name it. Only a change of data triggers a reconcile.
    context.getPrimaryCache().addIndexer(SECRET_INDEX, CrawlerMasterReconciler::namedSecrets);
    InformerEventSource<Secret, CrawlerMaster> secrets = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Secret.class, CrawlerMaster.class)
            .withName(SECRETS)
            .withSecondaryToPrimaryMapper(secret -> context.getPrimaryCache()
                .byIndex(SECRET_INDEX, secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName())
                .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
            // Looked up by name on each reconcile: a Secret created before its CrawlerMaster is found.
            .withPrimaryToSecondaryMapper((CrawlerMaster cm) -> namedSecrets(cm).stream()
                .map(n -> new ResourceID(n.substring(n.indexOf('/') + 1), cm.getMetadata().getNamespace()))
                .collect(Collectors.toSet()))
            .withOnUpdateFilter((now, before) -> !Objects.equals(now.getData(), before.getData()))
            .build(),
        context);
    return List.of(pods, secrets, leaderWatch);
  }

  /**
   * Which pod updates trigger a reconcile: what the role labels, the rollout plan or the dead-leader
   * evidence read (labels, readiness, deletion, the master container's restarts or termination).
   * Other status updates do not.
   */
  static boolean podChangeMatters(Pod now, Pod before) {
    return !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels())
        || isReady(now) != isReady(before)
        || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp())
        || DeadLeaderEvidence.masterContainerChanged(now, before);
  }

  private static boolean isReady(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static List<String> namedSecrets(CrawlerMaster cm) {
    EtcdSpec etcd = cm.getSpec() == null ? null : cm.getSpec().getEtcd();
    if (etcd == null) {
      return List.of();
    }
    String ns = cm.getMetadata().getNamespace() + "/";
    return Stream.of(
            etcd.getTls() == null ? null : etcd.getTls().getSecretName(),
            etcd.getAuth() == null ? null : etcd.getAuth().getSecretName())
        .filter(Objects::nonNull).distinct().map(n -> ns + n).toList();
  }

  /** The CrawlerMaster's namespace's Secrets as the informer has them. */
  private static Function<String, Optional<Secret>> secretsOf(
      CrawlerMaster cm, Context<CrawlerMaster> context) {
    Map<String, Secret> byName = context.getSecondaryResourcesAsStream(Secret.class)
        .filter(s -> Objects.equals(s.getMetadata().getNamespace(), cm.getMetadata().getNamespace()))
        .collect(Collectors.toMap(s -> s.getMetadata().getName(), s -> s, (a, b) -> a));
    return name -> Optional.ofNullable(byName.get(name));
  }

  /**
   * Which updates of a CrawlerMaster trigger a reconcile: a new generation (spec), deletion, or a
   * switchover annotation newly set or changed. Not its status: that is this reconciler's own write.
   */
  public static final class SpecOrSwitchoverChanged implements OnUpdateFilter<CrawlerMaster> {
    @Override
    public boolean accept(CrawlerMaster now, CrawlerMaster before) {
      return !Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())
          || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp())
          || (SwitchoverOutcome.annotation(now).isPresent()
              && !SwitchoverOutcome.annotation(now).equals(SwitchoverOutcome.annotation(before)));
    }
  }

  /** By etcd's cluster id once both are known; until then by a shared endpoint. */
  private boolean sameEtcd(CrawlerMaster a, CrawlerMaster b) {
    Optional<Long> idA = leaderWatch.etcdClusterId(a.getSpec().getEtcd().getEndpoints());
    Optional<Long> idB = leaderWatch.etcdClusterId(b.getSpec().getEtcd().getEndpoints());
    if (idA.isPresent() && idB.isPresent()) {
      return idA.get().equals(idB.get());
    }
    return SpecValidator.shareAnEndpoint(a, b);
  }

  static Set<ResourceID> owningCrawlerMaster(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    String instance = labels == null ? null : labels.get(MasterResources.LABEL_INSTANCE);
    return instance == null ? Set.of() : Set.of(new ResourceID(instance, pod.getMetadata().getNamespace()));
  }

  @Override
  public UpdateControl<CrawlerMaster> reconcile(CrawlerMaster cm, Context<CrawlerMaster> context) {
    ResourceID id = ResourceID.fromResource(cm);
    List<CrawlerMaster> known = context.getPrimaryCache().list().toList();
    Optional<String> invalid = SpecValidator.validate(cm, known, settings.keyPrefixRoot(), this::sameEtcd);
    StatusAggregator status = statusOf(cm, context).invalidSpec(invalid);
    List<ClusterEvent> leaderEvents = List.of();
    Optional<SwitchoverOutcome> switchover = Optional.empty();
    boolean rolling = false;
    Optional<LeaderTransition> transition = Optional.empty();
    EtcdSecrets.Outcome access = invalid.isEmpty() ? EtcdSecrets.decide(cm, secretsOf(cm, context)) : null;
    if (access instanceof EtcdSecrets.Problem problem) {
      // Unusable Secrets: report, and leave the masters as they are rather than rolling them onto
      // material that cannot work. A fixed Secret triggers the next reconcile.
      leaderWatch.stopWatching(id);
      LeaderStatus leader = LeaderStatus.unusableSecrets(cm.getStatus(), problem);
      status.leader(leader);
      leaderEvents = leader.events();
    } else if (access instanceof EtcdSecrets.Usable usable) {
      settings.passTo(context);
      context.managedWorkflowAndDependentResourceContext().put(EtcdSecrets.Usable.class, usable);
      context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
      leaderWatch.ensureWatching(id, cm.getSpec().getEtcd().getEndpoints(), cm.keyLayout(), usable.credentials(),
          () -> context.getPrimaryCache().get(id).isPresent());
      Optional<ElectionState> observation = leaderWatch.observation(id).map(o -> EtcdSecrets.explain(cm, o));
      List<Pod> pods = context.getSecondaryResourcesAsStream(Pod.class).toList();
      Set<String> podNames = pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
      LeaderStatus leader = LeaderStatus.decide(cm.getStatus(), observation, podNames);
      if (leader.rolesDecided()) {
        new PodRoleLabeler(context.getClient()).apply(cm.getMetadata().getNamespace(), pods, leader.leaderPod());
      }
      status.leader(leader);
      leaderEvents = leader.events();
      transition = leader.transition();
      switchover = switchoverIfAsked(cm, context);
      // Recorded at once: the annotation is gone, so a failed status patch would lose the outcome.
      switchover.ifPresent(o -> events.record(cm, o.event()));
      status.switchover(switchover);
      if (switchover.isPresent()) {
        // No rollout step this time: the previous Updated condition stays; look again soon.
        rolling = true;
      } else {
        RolloutPlan.Step step = rollout(cm, context, pods, leader.leaderPod());
        status.rollout(step);
        rolling = RolloutPlan.looksAgainSoon(step);
      }
      if (settings.revokeDeadLeader()) {
        // Recorded at once: the revoke has happened whatever becomes of this reconcile's status patch.
        DeadLeaderRevoker.revokeIfGone(cm.getStatus(), leader, observation, pods,
                name -> context.getClient().pods().inNamespace(cm.getMetadata().getNamespace()).withName(name).get(),
                leaderWatch.election(id))
            .ifPresent(e -> events.record(cm, e));
      }
    } else {
      // An invalid spec may name unusable endpoints or a conflicting prefix: stop following the
      // election until it is fixed; pods keep their labels meanwhile.
      leaderWatch.stopWatching(id);
    }
    CrawlerMasterStatus next = status.build();
    metrics.publish(cm, next, transition, known);
    if (!next.equals(cm.getStatus())) {
      patchStatus(cm, next, context);
      metrics.reconciled(OperatorMetrics.Reconciled.STATUS_PATCHED);
      transition.ifPresent(t -> logLeaderChange(cm, t));
    } else {
      metrics.reconciled(OperatorMetrics.Reconciled.UNCHANGED);
    }
    // Events only once the status that records their change is stored: a failed patch is retried
    // with the same old status and decides the same Events again.
    ClusterEvent.invalidSpec(cm.getStatus(), next).ifPresent(e -> events.record(cm, e));
    leaderEvents.forEach(e -> events.record(cm, e));
    if (invalid.isPresent()) {
      return UpdateControl.<CrawlerMaster>noUpdate().rescheduleAfter(INVALID_SPEC_RECHECK);
    }
    // Look again soon only after acting (or failing to): a waiting rollout is woken by the events it waits for.
    return rolling ? UpdateControl.<CrawlerMaster>noUpdate().rescheduleAfter(ROLLOUT_RECHECK) : UpdateControl.noUpdate();
  }

  /**
   * Takes the next step of updating the master pods ({@link RolloutPlan}): delete one outdated
   * follower, or hand leadership to an updated follower, or nothing. Returns the step for the status.
   */
  private RolloutPlan.Step rollout(CrawlerMaster cm, Context<CrawlerMaster> context, List<Pod> pods, Optional<String> leaderPod) {
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
    RolloutPlan.Step step = RolloutPlan.next(updateRevision, states, MasterResources.replicas(cm.getSpec()), leaderPod);
    String where = cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName();
    if (step instanceof RolloutPlan.DeletePod delete) {
      LOG.info("{}: updating pod {} (a follower, or the last one)", where, delete.pod());
      context.getClient().pods().inNamespace(cm.getMetadata().getNamespace()).withName(delete.pod()).delete();
    } else if (step instanceof RolloutPlan.SwitchoverTo target) {
      Optional<String> address = leaderAddress(cm);
      if (address.isEmpty()) {
        return new RolloutPlan.Retry("waiting for a known leader to switch over to " + target.pod());
      }
      try {
        SwitchoverOutcome outcome = askSwitchover(cm, address.get(), Optional.of(target.pod()));
        LOG.info("{}: before updating the leader: {}", where, outcome.message());
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
  private Optional<SwitchoverOutcome> switchoverIfAsked(CrawlerMaster cm, Context<CrawlerMaster> context) {
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
      LOG.info("switchover annotation of {}/{} changed before it was taken: {}",
          cm.getMetadata().getNamespace(), cm.getMetadata().getName(), e.getMessage());
      return Optional.empty();
    }
    Optional<String> address = leaderAddress(cm);
    if (address.isEmpty()) {
      return Optional.of(SwitchoverOutcome.failed("switchover to " + value + ": no leader known"));
    }
    try {
      SwitchoverOutcome outcome = askSwitchover(cm, address.get(), asked.get());
      LOG.info("{}/{}: {}", cm.getMetadata().getNamespace(), cm.getMetadata().getName(), outcome.message());
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
   * Asks the leader at {@code address} for a switchover; a failed or lost answer is checked against
   * who leads now, in etcd: the candidate may have taken over all the same.
   */
  private SwitchoverOutcome askSwitchover(CrawlerMaster cm, String address, Optional<String> candidate)
      throws InterruptedException {
    SwitchoverOutcome outcome = masterApi.switchover(address, candidate);
    if (outcome.succeeded()) {
      return outcome;
    }
    Optional<Election> election = leaderWatch.election(ResourceID.fromResource(cm));
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

  /**
   * Patches the status and puts the result into JOSDK's primary cache. Returning {@code
   * UpdateControl.patchStatus} would not: a reconcile triggered meanwhile by another source (our
   * own pod label patches, the next election change) would then see the old status, decide the
   * same leader change again and record its Event twice. With SSA (production) this is an apply
   * by the controller's field manager; without (mock-server tests) a JSON patch of the status.
   */
  private static void patchStatus(CrawlerMaster cm, CrawlerMasterStatus next, Context<CrawlerMaster> context) {
    if (context.getControllerConfiguration().getConfigurationService().useSSAToPatchPrimaryResource()) {
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(cm, statusOnly(cm, next), context);
    } else {
      PrimaryUpdateAndCacheUtils.patchStatusAndCacheResource(cm, context, r -> {
        r.setStatus(next);
        return r;
      });
    }
  }

  /** Reports a failed reconcile in the Ready condition; JOSDK then retries with backoff. */
  @Override
  public ErrorStatusUpdateControl<CrawlerMaster> updateErrorStatus(
      CrawlerMaster cm, Context<CrawlerMaster> context, Exception e) {
    metrics.reconciled(OperatorMetrics.Reconciled.FAILED);
    CrawlerMasterStatus next = statusOf(cm, context).reconcileError(e.getMessage()).build();
    return next.equals(cm.getStatus())
        ? ErrorStatusUpdateControl.noStatusUpdate()
        : ErrorStatusUpdateControl.patchStatus(statusOnly(cm, next));
  }

  /** A status for {@code cm} with what every outcome reports: generation and replica counts. */
  private StatusAggregator statusOf(CrawlerMaster cm, Context<CrawlerMaster> context) {
    return new StatusAggregator(cm.getStatus(), cm.getMetadata().getGeneration(), clock.instant())
        .replicas(MasterResources.replicas(cm.getSpec()), context.getSecondaryResource(StatefulSet.class).orElse(null));
  }

  /** Logs how long a leader change took from reaching the operator (the etcd watch event) to its status patch. */
  private static void logLeaderChange(CrawlerMaster cm, LeaderTransition t) {
    String where = cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName();
    long millis = (System.nanoTime() - t.seenAtNanos()) / 1_000_000;
    if (t.toNoLeader()) {
      LOG.info("leader of {} is none, published {} ms after etcd", where, millis);
    } else {
      LOG.info("leader of {} is {} (term {}), published {} ms after etcd", where, t.toLeader(), t.toTerm(), millis);
    }
  }

  /** Only name, namespace and status: a status patch must not carry (and so claim) spec or metadata. */
  private static CrawlerMaster statusOnly(CrawlerMaster cm, CrawlerMasterStatus status) {
    CrawlerMaster patch = new CrawlerMaster();
    patch.setMetadata(new ObjectMetaBuilder()
        .withName(cm.getMetadata().getName())
        .withNamespace(cm.getMetadata().getNamespace())
        .build());
    patch.setStatus(status);
    return patch;
  }
}
