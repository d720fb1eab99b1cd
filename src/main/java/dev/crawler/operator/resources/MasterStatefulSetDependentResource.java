package dev.crawler.operator.resources;

import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.operator.etcd.EtcdSecrets;
import dev.crawler.api.CrawlerMaster;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** The StatefulSet of master replicas. */
@KubernetesDependent(informer = @Informer(labelSelector = MasterResources.MANAGED_SELECTOR))
public class MasterStatefulSetDependentResource extends CRUDKubernetesDependentResource<StatefulSet, CrawlerMaster> {

  @Override
  protected StatefulSet desired(CrawlerMaster primary, Context<CrawlerMaster> context) {
    return MasterResources.statefulSet(primary, OperatorSettings.of(context),
        context.managedWorkflowAndDependentResourceContext()
            .getMandatory(EtcdSecrets.Usable.class, EtcdSecrets.Usable.class));
  }

  @Override
  protected ResourceID targetSecondaryResourceID(CrawlerMaster primary, Context<CrawlerMaster> context) {
    return new ResourceID(MasterResources.statefulSetName(primary), primary.getMetadata().getNamespace());
  }
}
