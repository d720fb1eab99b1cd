package dev.crawler.operator;

import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.testing.TestingPrometheusText;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The operator's /metrics after real reconciles (operator in-process, fabric8 mock API server). */
@EnableKubernetesMockClient(crud = true)
class OperatorMetricsEndpointMockServerTest {
  static KubernetesClient client;

  private static Long observedGeneration(String name) {
    CrawlerMaster cm = client.resources(CrawlerMaster.class).inNamespace("metrics").withName(name).get();
    return cm.getStatus() == null ? null : cm.getStatus().getObservedGeneration();
  }

  /** A spec change: bumps the generation, so the operator reconciles. */
  private static void scale(String name, int replicas) {
    client.resources(CrawlerMaster.class).inNamespace("metrics").withName(name).edit(c -> {
      c.getSpec().setReplicas(replicas);
      return c;
    });
  }

  @Test
  void leaderGaugeAppearsForAReconciledCrawlerMasterAndGoesWithIt() throws Exception {
    client.apiextensions().v1().customResourceDefinitions()
        .load(Path.of("target/classes/META-INF/fabric8/crawlermasters.crawler.dev-v1.yml").toFile()).create();
    OperatorMetrics metrics = new OperatorMetrics();
    Operator operator = CrawlerOperator.create(client, new OperatorSettings("crawler-master:test", Set.of()), metrics,
        o -> o.withUseSSAToPatchPrimaryResource(false)
            .withSSABasedCreateUpdateMatchForDependentResources(false)
            .withCloseClientOnStop(false));
    try (HealthServer server = HealthServer.start(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), operator.getRuntimeInfo(), metrics)) {
      operator.start();
      URI uri = URI.create("http://127.0.0.1:" + server.port() + HealthServer.METRICS);
      // Until the election is wired in, the leader fields are carried over from the stored
      // status, so a status written by hand stands in for one the operator wrote before.
      client.resource(crawlerMaster("metrics", "demo")).create();
      client.resource(crawlerMaster("metrics", "other")).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> observedGeneration("demo") != null);
      client.resources(CrawlerMaster.class).inNamespace("metrics").withName("demo").editStatus(c -> {
        c.getStatus().setLeader("demo-1");
        c.getStatus().setTerm(42L);
        return c;
      });
      scale("demo", 2);
      Map<String, String> demo = Map.of("namespace", "metrics", "name", "demo");

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        TestingPrometheusText t = TestingPrometheusText.scrape(uri);
        assertThat(t.find("crawler_leader_info", demo)).singleElement().satisfies(s -> {
          assertThat(s.labels()).containsEntry("leader", "demo-1");
          assertThat(s.value()).isEqualTo(1.0);
        });
        assertThat(t.value("crawler_leader_term", demo)).contains(42.0);
        assertThat(t.value("crawler_leader_transitions_total", demo)).contains(0.0);
        assertThat(t.value("crawler_leader_term", Map.of("name", "other"))).contains(0.0);
      });

      client.resources(CrawlerMaster.class).inNamespace("metrics").withName("demo").delete();
      // Series of a deleted CrawlerMaster go at the next reconcile of any other one.
      scale("other", 2);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        TestingPrometheusText t = TestingPrometheusText.scrape(uri);
        assertThat(t.find("crawler_leader_term", demo)).isEmpty();
        assertThat(t.find("crawler_leader_info", demo)).isEmpty();
      });
    } finally {
      operator.stop();
    }
  }
}
