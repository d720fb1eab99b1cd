package dev.crawler.operator.resources;

import dev.crawler.api.CrawlerMaster;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** The client Service: routes to the replica labelled leader. Shares the headless Service's informer. */
public class ClientServiceDependentResource extends CRUDKubernetesDependentResource<Service, CrawlerMaster> {

  @Override
  protected Service desired(CrawlerMaster primary, Context<CrawlerMaster> context) {
    return MasterResources.clientService(primary);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(CrawlerMaster primary, Context<CrawlerMaster> context) {
    return new ResourceID(MasterResources.clientServiceName(primary), primary.getMetadata().getNamespace());
  }
}
