package dev.crawler.operator;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reconciles a CrawlerMaster: observe (StatefulSet) → validate (spec, conflicts with other CRs) →
 * act (dependents, only for a valid spec) → report (status via {@link StatusAggregator}, a Warning
 * event for a newly invalid spec). The workflow is invoked explicitly so that an invalid spec
 * leaves existing dependents as they are: a reconcile precondition would delete them instead.
 */
@ControllerConfiguration(name = CrawlerMasterReconciler.NAME)
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
  /** Controller name; also the field manager of its server-side applies. */
  public static final String NAME = MasterResources.MANAGER;
  static final String STATEFUL_SET = "statefulset";
  static final String HEADLESS_SERVICE = "headless-service";
  static final String CLIENT_SERVICE = "client-service";

  /**
   * An invalid spec is checked again after this long even without an event: a key-prefix conflict
   * clears when the other CrawlerMaster goes away, which does not trigger this one.
   */
  static final Duration INVALID_SPEC_RECHECK = Duration.ofMinutes(1);

  private final OperatorSettings settings;
  private final EventRecorder events;
  private final Clock clock;

  public CrawlerMasterReconciler(OperatorSettings settings, EventRecorder events, Clock clock) {
    this.settings = settings;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public UpdateControl<CrawlerMaster> reconcile(CrawlerMaster cm, Context<CrawlerMaster> context) {
    List<CrawlerMaster> known = context.getPrimaryCache().list().toList();
    Optional<String> invalid = SpecValidator.validate(cm, known);
    if (invalid.isEmpty()) {
      context.managedWorkflowAndDependentResourceContext().put(OperatorSettings.class, settings);
      context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    }
    StatefulSet statefulSet = context.getSecondaryResource(StatefulSet.class).orElse(null);
    CrawlerMasterStatus next =
        new StatusAggregator(cm.getStatus(), cm.getMetadata().getGeneration(), clock.instant())
            .invalidSpec(invalid)
            .replicas(MasterResources.replicas(cm.getSpec()), statefulSet)
            .build();
    if (EventRecorder.newInvalidSpec(cm.getStatus(), next)) {
      events.warning(cm, StatusAggregator.REASON_INVALID_SPEC, invalid.orElseThrow());
    }
    UpdateControl<CrawlerMaster> control =
        next.equals(cm.getStatus()) ? UpdateControl.noUpdate() : UpdateControl.patchStatus(statusOnly(cm, next));
    return invalid.isPresent() ? control.rescheduleAfter(INVALID_SPEC_RECHECK) : control;
  }

  /** Reports a failed reconcile in the Ready condition; JOSDK then retries with backoff. */
  @Override
  public ErrorStatusUpdateControl<CrawlerMaster> updateErrorStatus(
      CrawlerMaster cm, Context<CrawlerMaster> context, Exception e) {
    CrawlerMasterStatus next =
        new StatusAggregator(cm.getStatus(), cm.getMetadata().getGeneration(), clock.instant())
            .reconcileError(e.getMessage())
            .replicas(MasterResources.replicas(cm.getSpec()), context.getSecondaryResource(StatefulSet.class).orElse(null))
            .build();
    return next.equals(cm.getStatus())
        ? ErrorStatusUpdateControl.noStatusUpdate()
        : ErrorStatusUpdateControl.patchStatus(statusOnly(cm, next));
  }

  /** The settings the reconciler hands to its dependents for this reconcile. */
  static OperatorSettings settings(Context<CrawlerMaster> context) {
    return context.managedWorkflowAndDependentResourceContext().getMandatory(OperatorSettings.class, OperatorSettings.class);
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
