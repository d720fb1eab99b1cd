package dev.crawler.operator.resources;

import dev.crawler.api.CrawlerMaster;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** The headless Service that names each replica; its informer also serves the client Service. */
@KubernetesDependent(informer = @Informer(labelSelector = MasterResources.MANAGED_SELECTOR))
public class HeadlessServiceDependentResource extends CRUDKubernetesDependentResource<Service, CrawlerMaster> {

  @Override
  protected Service desired(CrawlerMaster primary, Context<CrawlerMaster> context) {
    return MasterResources.headlessService(primary);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(CrawlerMaster primary, Context<CrawlerMaster> context) {
    return new ResourceID(MasterResources.headlessServiceName(primary), primary.getMetadata().getNamespace());
  }
}
