package dev.crawler.operator.resources;

import dev.crawler.operator.etcd.EtcdSecrets;
import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.api.CrawlerMaster;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * The workers' Deployment ({@link WorkerResources}); it exists only while {@code spec.workers} is
 * set: the precondition's failing makes JOSDK delete it.
 */
@KubernetesDependent(informer = @Informer(labelSelector = MasterResources.MANAGED_SELECTOR))
public class WorkerDeploymentDependentResource extends CRUDKubernetesDependentResource<Deployment, CrawlerMaster> {

  @Override
  protected Deployment desired(CrawlerMaster primary, Context<CrawlerMaster> context) {
    return WorkerResources.deployment(primary, OperatorSettings.of(context),
        context.managedWorkflowAndDependentResourceContext()
            .getMandatory(EtcdSecrets.Usable.class, EtcdSecrets.Usable.class));
  }

  @Override
  protected ResourceID targetSecondaryResourceID(CrawlerMaster primary, Context<CrawlerMaster> context) {
    return new ResourceID(WorkerResources.deploymentName(primary), primary.getMetadata().getNamespace());
  }

  /** The workers run while {@code spec.workers} asks for them. */
  public static final class WorkersRequested implements Condition<Deployment, CrawlerMaster> {
    @Override
    public boolean isMet(DependentResource<Deployment, CrawlerMaster> dependent, CrawlerMaster primary,
        Context<CrawlerMaster> context) {
      return primary.getSpec().getWorkers() != null;
    }
  }
}
