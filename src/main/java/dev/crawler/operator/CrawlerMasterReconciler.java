package dev.crawler.operator;

import dev.crawler.operator.resources.WorkerDeploymentDependentResource;
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
import dev.crawler.operator.resources.MasterPodDisruptionBudgetDependentResource;
import dev.crawler.operator.resources.MasterStatefulSetDependentResource;
import dev.crawler.operator.resources.PodRoleLabeler;
import dev.crawler.operator.rollout.MasterApiClient;
import dev.crawler.operator.rollout.MasterUpdates;
import dev.crawler.operator.rollout.RolloutPlan;
import dev.crawler.operator.rollout.SwitchoverOutcome;
import dev.crawler.operator.status.LeaderStatus;
import dev.crawler.operator.status.LeaderTransition;
import dev.crawler.operator.status.StatusAggregator;
import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.api.EtcdSpec;
import dev.crawler.election.ElectionState;
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
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a CrawlerMaster in four steps, in this order: validate (spec and conflicts with other
 * CRs, {@link SpecValidator}; then the etcd Secrets, {@link EtcdSecrets}) → observe (the etcd
 * election through {@link ElectionEventSource}, the master pods; {@link LeaderStatus} decides who
 * leads) → act (dependents, pod role labels through {@link PodRoleLabeler}, the switchover or the
 * next rollout step through {@link MasterUpdates}, a dead leader's lease through {@link
 * DeadLeaderRevoker}; only for a valid spec) → report (metrics through {@link OperatorMetrics},
 * then the status built by {@link StatusAggregator} is patched, then Events through {@link
 * EventRecorder}). This class deletes no pod and makes no HTTP call itself. The workflow is invoked
 * explicitly so that an invalid spec leaves existing dependents as they are: a reconcile
 * precondition would delete them instead.
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
          useEventSourceWithName = CrawlerMasterReconciler.HEADLESS_SERVICE),
      @Dependent(
          name = CrawlerMasterReconciler.DISRUPTION_BUDGET,
          type = MasterPodDisruptionBudgetDependentResource.class,
          reconcilePrecondition = MasterPodDisruptionBudgetDependentResource.Enabled.class),
      @Dependent(
          name = CrawlerMasterReconciler.WORKERS,
          type = WorkerDeploymentDependentResource.class,
          reconcilePrecondition = WorkerDeploymentDependentResource.WorkersRequested.class)
    })
public class CrawlerMasterReconciler implements Reconciler<CrawlerMaster> {
  private static final Logger log = LoggerFactory.getLogger(CrawlerMasterReconciler.class);

  /** Controller name; also the field manager of its server-side applies. */
  public static final String NAME = MasterResources.MANAGER;
  static final String STATEFUL_SET = "statefulset";
  static final String HEADLESS_SERVICE = "headless-service";
  static final String CLIENT_SERVICE = "client-service";
  static final String WORKERS = "workers";
  static final String DISRUPTION_BUDGET = "disruption-budget";
  static final String PODS = "master-pods";
  static final String SECRETS = "etcd-secrets";
  /** Primary cache index: the namespace/name of each Secret a CrawlerMaster's spec.etcd names. */
  private static final String SECRET_INDEX = "etcd-secret";

  /**
   * An invalid spec is checked again after this long even without an event: a key-prefix conflict
   * clears when the other CrawlerMaster goes away, which does not trigger this one.
   */
  static final Duration INVALID_SPEC_RECHECK = Duration.ofMinutes(1);

  /** How soon a reconcile looks again after a rollout step was taken or failed. */
  static final Duration ROLLOUT_RECHECK = Duration.ofSeconds(1);

  private final OperatorSettings settings;
  private final EventRecorder events;
  private final Clock clock;
  private final ElectionEventSource leaderWatch;
  private final OperatorMetrics metrics;
  private final MasterUpdates updates;

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
    this.updates = new MasterUpdates(new MasterApiClient(), leaderWatch::election);
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
        || MasterUpdates.isReady(now) != MasterUpdates.isReady(before)
        || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp())
        || DeadLeaderEvidence.masterContainerChanged(now, before);
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
      if (cm.getSpec().getWorkers() == null) {
        status.workers(null);
      } else {
        // Counted on every reconcile; the workers' Deployment changes (pods Ready or gone) trigger one.
        leaderWatch.registeredWorkers(id).ifPresent(status::workers);
      }
      leaderEvents = leader.events();
      transition = leader.transition();
      switchover = updates.switchoverIfAsked(cm, context, pods);
      // Recorded at once: the annotation is gone, so a failed status patch would lose the outcome.
      switchover.ifPresent(o -> events.record(cm, o.event()));
      status.switchover(switchover);
      if (switchover.isPresent()) {
        // No rollout step this time: the previous Updated condition stays; look again soon.
        rolling = true;
      } else {
        RolloutPlan.Step step = updates.rollout(cm, context, pods, leader.leaderPod(), MasterResources.replicas(cm.getSpec()));
        status.rollout(step);
        rolling = RolloutPlan.looksAgainSoon(step);
      }
      if (settings.revokeDeadLeader()) {
        // Recorded at once: the revoke has happened whatever becomes of this reconcile's status patch.
        DeadLeaderRevoker.revokeIfGone(cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName(),
                cm.getStatus(), leader, observation, pods,
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
      log.info("leader of {} is none, published {} ms after etcd", where, millis);
    } else {
      log.info("leader of {} is {} (term {}), published {} ms after etcd", where, t.toLeader(), t.toTerm(), millis);
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
