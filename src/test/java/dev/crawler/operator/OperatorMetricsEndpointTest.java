package dev.crawler.operator;

import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.operator.resources.MasterResources;
import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static dev.crawler.testing.TestingCrawlerMasters.installCrd;
import static dev.crawler.testing.TestingCrawlerMasters.onMockServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.KeyLayout;
import dev.crawler.testing.TestingCandidate;
import dev.crawler.testing.TestingCrawlerMasters;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingPrometheusText;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator's /metrics after real reconciles: operator in-process against the fabric8 mock API
 * server (SSA off there only), the leader from a real etcd election.
 */
@Tag("etcd")
@EnableKubernetesMockClient(crud = true)
class OperatorMetricsEndpointTest {
  private static final String NS = "metrics";
  static KubernetesClient client;

  @Test
  void leaderGaugesFollowTheElectionAndGoWithTheCrawlerMaster() throws Exception {
    installCrd(client);
    OperatorMetrics metrics = new OperatorMetrics();
    Operator operator = CrawlerOperator.create(client, onMockServer(new OperatorSettings("crawler-master:test", Set.of()))
        .withMetrics(metrics));
    try (TestingEtcd etcd = TestingEtcd.startNew();
        Client etcdClient = Client.builder().endpoints(etcd.endpoint()).build();
        HealthServer server = HealthServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), operator.getRuntimeInfo(), metrics)) {
      operator.start();
      URI uri = URI.create("http://127.0.0.1:" + server.port() + HealthServer.METRICS);
      CrawlerMaster demo = client.resource(crawlerMaster(NS, "demo", etcd.endpoint())).create();
      client.resource(crawlerMaster(NS, "other", etcd.endpoint())).create();
      for (int i = 0; i < 2; i++) {
        client.pods().inNamespace(NS).resource(new PodBuilder()
            .withNewMetadata().withName("demo-" + i).withNamespace(NS)
            .withLabels(MasterResources.labels(demo)).endMetadata().build()).create();
      }
      String election = KeyLayout.defaultFor(NS, "demo").election();
      Map<String, String> demoLabels = Map.of("namespace", NS, "name", "demo");

      try (TestingCandidate first = TestingCandidate.pod(etcdClient, election, "demo-0", 5);
          TestingCandidate second = TestingCandidate.pod(etcdClient, election, "demo-1", 5)) {
        first.campaign().get(30, TimeUnit.SECONDS);
        second.campaign();
        long firstTerm = first.term();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          TestingPrometheusText t = TestingPrometheusText.scrape(uri);
          assertThat(t.find("crawler_leader_info", demoLabels)).singleElement().satisfies(s -> {
            assertThat(s.labels()).containsEntry("leader", "demo-0");
            assertThat(s.value()).isEqualTo(1.0);
          });
          assertThat(t.value("crawler_leader_term", demoLabels)).contains((double) firstTerm);
          // A counter of changes this operator saw: the first leader it meets is no change.
          assertThat(t.value("crawler_leader_transitions_total", demoLabels)).contains(0.0);
          assertThat(t.value("crawler_leader_term", Map.of("name", "other"))).contains(0.0);
        });

        first.resign();
        long secondTerm = second.term();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          TestingPrometheusText t = TestingPrometheusText.scrape(uri);
          assertThat(t.find("crawler_leader_info", demoLabels)).singleElement()
              .satisfies(s -> assertThat(s.labels()).containsEntry("leader", "demo-1"));
          assertThat(t.value("crawler_leader_term", demoLabels)).contains((double) secondTerm);
          assertThat(t.value("crawler_leader_transitions_total", demoLabels)).contains(1.0);
        });
      }

      client.resources(CrawlerMaster.class).inNamespace(NS).withName("demo").delete();
      // Series of a deleted CrawlerMaster go at the next reconcile of any other one.
      TestingCrawlerMasters.edit(client, NS, "other", c -> {
        c.getSpec().setReplicas(2);
      });
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        TestingPrometheusText t = TestingPrometheusText.scrape(uri);
        assertThat(t.find("crawler_leader_term", demoLabels)).isEmpty();
        assertThat(t.find("crawler_leader_info", demoLabels)).isEmpty();
      });
    } finally {
      operator.stop();
    }
  }
}
