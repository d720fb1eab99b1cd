package dev.crawler.operator;

import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.testing.TestingCrawlerMasters;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingOperatorProcess;
import dev.crawler.testing.TestingPrometheusText;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two real operator processes with leader election against a real kube-apiserver: only the Lease
 * holder reconciles; after SIGTERM the other takes the Lease and keeps the CrawlerMaster current.
 */
@Tag("apiserver")
@Tag("process")
class OperatorFailoverTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private TestingOperatorProcess a;
  private TestingOperatorProcess b;
  private String ns;

  @AfterEach
  void stop() throws Exception {
    for (TestingOperatorProcess p : new TestingOperatorProcess[] {a, b}) {
      if (p != null) {
        p.close();
      }
    }
    // The test server has no garbage collector: remove what the operator created, so that
    // TestingKubelet in other tests of this JVM does not run pods for it.
    if (ns != null) {
      KubernetesClient client = TestingKubeApiServer.shared().client();
      client.resources(CrawlerMaster.class).inNamespace(ns).delete();
      client.apps().statefulSets().inNamespace(ns).delete();
      client.services().inNamespace(ns).delete();
    }
  }

  private static String holder(KubernetesClient client, String ns) {
    Lease lease = client.resources(Lease.class).inNamespace(ns).withName(OperatorLeaderElection.LEASE_NAME).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static boolean statusCurrent(KubernetesClient client, String ns, int replicas) {
    CrawlerMaster cm = client.resources(CrawlerMaster.class).inNamespace(ns).withName("demo").get();
    StatefulSet sts = client.apps().statefulSets().inNamespace(ns).withName("demo").get();
    return cm != null && cm.getStatus() != null && sts != null
        && Objects.equals(cm.getStatus().getObservedGeneration(), cm.getMetadata().getGeneration())
        && sts.getSpec().getReplicas() == replicas;
  }

  @Test
  void sigtermOfTheActiveOperatorHandsTheLeaseToTheStandbyWhichKeepsReconciling() throws Exception {
    TestingKubeApiServer api = TestingKubeApiServer.shared();
    KubernetesClient client = api.client();
    ns = "operator-ha-" + ThreadLocalRandom.current().nextInt(1_000_000);
    api.ensureNamespace(ns);

    a = TestingOperatorProcess.start("operator-a", api.kubeconfigFile(), ns).awaitReady(TIMEOUT);
    await().atMost(TIMEOUT).until(() -> "operator-a".equals(holder(client, ns)));
    b = TestingOperatorProcess.start("operator-b", api.kubeconfigFile(), ns).awaitReady(TIMEOUT);

    CrawlerMaster cm = crawlerMaster(ns, "demo", TestingCrawlerMasters.ETCD);
    cm.getSpec().setReplicas(1);
    client.resource(cm).create();
    await().atMost(TIMEOUT).until(() -> statusCurrent(client, ns, 1));
    // The standby is ready (caches synced) but reconciles nothing: no series for the cluster.
    assertThat(b.status(HealthServer.READYZ)).isEqualTo(200);
    Map<String, String> demo = Map.of("namespace", ns, "name", "demo");
    assertThat(TestingPrometheusText.scrape(a.uri(HealthServer.METRICS)).find("crawler_leader_term", demo)).hasSize(1);
    assertThat(TestingPrometheusText.scrape(b.uri(HealthServer.METRICS)).find("crawler_leader_term", demo)).isEmpty();
    assertThat(holder(client, ns)).isEqualTo("operator-a");

    long t0 = System.nanoTime();
    a.signal("TERM");
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> "operator-b".equals(holder(client, ns)));
    long takeoverMillis = (System.nanoTime() - t0) / 1_000_000;
    int exit = a.awaitExit(TIMEOUT);

    TestingCrawlerMasters.edit(client, ns, "demo", c -> {
      c.getSpec().setReplicas(3);
    });
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> statusCurrent(client, ns, 3));
    long currentMillis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("operator takeover: Lease held by operator-b %d ms after SIGTERM of operator-a"
        + " (exit code %d); spec change reconciled by operator-b %d ms after the SIGTERM%n",
        takeoverMillis, exit, currentMillis);
    assertThat(TestingPrometheusText.scrape(b.uri(HealthServer.METRICS)).value("crawler_leader_term", demo))
        .isPresent();
  }
}
