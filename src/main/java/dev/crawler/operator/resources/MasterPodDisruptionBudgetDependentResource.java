package dev.crawler.operator.resources;

import dev.crawler.api.CrawlerMaster;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * The masters' PodDisruptionBudget ({@link MasterResources#podDisruptionBudget}); it exists while
 * {@code spec.enablePodDisruptionBudget} is true (the default): the precondition's failing makes
 * JOSDK delete it.
 */
@KubernetesDependent(informer = @Informer(labelSelector = MasterResources.MANAGED_SELECTOR))
public class MasterPodDisruptionBudgetDependentResource
    extends CRUDKubernetesDependentResource<PodDisruptionBudget, CrawlerMaster> {

  @Override
  protected PodDisruptionBudget desired(CrawlerMaster primary, Context<CrawlerMaster> context) {
    return MasterResources.podDisruptionBudget(primary);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(CrawlerMaster primary, Context<CrawlerMaster> context) {
    return new ResourceID(MasterResources.podDisruptionBudgetName(primary), primary.getMetadata().getNamespace());
  }

  /** A PodDisruptionBudget is kept unless the spec turns it off. */
  public static final class Enabled implements Condition<PodDisruptionBudget, CrawlerMaster> {
    @Override
    public boolean isMet(DependentResource<PodDisruptionBudget, CrawlerMaster> dependent, CrawlerMaster primary,
        Context<CrawlerMaster> context) {
      return !Boolean.FALSE.equals(primary.getSpec().getEnablePodDisruptionBudget());
    }
  }
}
