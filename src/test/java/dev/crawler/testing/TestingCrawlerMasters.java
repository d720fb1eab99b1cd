package dev.crawler.testing;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterSpec;
import dev.crawler.api.EtcdSpec;
import dev.crawler.operator.CrawlerOperator;
import dev.crawler.operator.settings.OperatorSettings;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** CrawlerMaster objects for tests, as a user would write them, and the operator against the fabric8 mock server. */
public final class TestingCrawlerMasters {
  private TestingCrawlerMasters() {}

  public static final String ETCD = "http://etcd.crawler-system:2379";

  public static CrawlerMaster crawlerMaster(String namespace, String name, String... endpoints) {
    EtcdSpec etcd = new EtcdSpec();
    etcd.setEndpoints(new ArrayList<>(endpoints.length == 0 ? List.of(ETCD) : List.of(endpoints)));
    CrawlerMasterSpec spec = new CrawlerMasterSpec();
    spec.setEtcd(etcd);
    CrawlerMaster cm = new CrawlerMaster();
    cm.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    cm.setSpec(spec);
    return cm;
  }

  /** As the API server returns it: with uid, generation and creation time. */
  public static CrawlerMaster stored(CrawlerMaster cm, String uid, String creationTimestamp) {
    cm.getMetadata().setUid(uid);
    cm.getMetadata().setGeneration(1L);
    cm.getMetadata().setCreationTimestamp(creationTimestamp);
    return cm;
  }

  /** Creates the CRD that the build generated (target/classes), e.g. in the fabric8 mock server. */
  public static void installCrd(KubernetesClient client) {
    client.apiextensions().v1().customResourceDefinitions()
        .load(Path.of("target/classes/META-INF/fabric8/crawlermasters.crawler.dev-v1.yml").toFile()).create();
  }

  /** The operator's options for the fabric8 mock server, which has no server-side apply; the test owns the client. */
  public static CrawlerOperator.Options onMockServer(OperatorSettings settings) {
    return CrawlerOperator.Options.of(settings)
        .withOverrides(o -> o.withUseSSAToPatchPrimaryResource(false)
            .withSSABasedCreateUpdateMatchForDependentResources(false)
            .withCloseClientOnStop(false));
  }

  /**
   * Edits a stored CrawlerMaster as a user would with {@code kubectl edit}: read, change, update with the
   * read resourceVersion, and read again when the API server answers 409 because a running operator patched
   * the status in between (a status write bumps the object's resourceVersion too). Returns what was stored.
   */
  public static CrawlerMaster edit(KubernetesClient client, String namespace, String name, Consumer<CrawlerMaster> change) {
    for (int attempt = 1; ; attempt++) {
      CrawlerMaster cm = client.resources(CrawlerMaster.class).inNamespace(namespace).withName(name).get();
      change.accept(cm);
      try {
        return client.resource(cm).update();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 20) {
          throw e;
        }
      }
    }
  }
}
