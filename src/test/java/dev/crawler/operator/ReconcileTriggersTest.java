package dev.crawler.operator;

import dev.crawler.operator.settings.OperatorSettings;
import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static dev.crawler.testing.TestingCrawlerMasters.installCrd;
import static dev.crawler.testing.TestingCrawlerMasters.onMockServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.testing.TestingPrometheusText;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What makes the operator reconcile a CrawlerMaster, and what does not. */
@EnableKubernetesMockClient(crud = true)
class ReconcileTriggersTest {
  static KubernetesClient client;

  private static Pod pod(boolean ready, String deletionTimestamp, String role) {
    return new PodBuilder()
        .withNewMetadata().withName("demo-0").withNamespace("crawl").withDeletionTimestamp(deletionTimestamp)
        .withLabels(Map.of("crawler.dev/role", role)).endMetadata()
        .withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
        .withPodIP("10.1.0.1").endStatus()
        .build();
  }

  @Test
  void podUpdatesTriggerOnlyWhenLabelsReadinessOrDeletionChange() {
    Pod before = pod(false, null, "follower");
    assertThat(CrawlerMasterReconciler.podChangeMatters(pod(true, null, "follower"), before)).isTrue();
    assertThat(CrawlerMasterReconciler.podChangeMatters(pod(false, "2026-11-30T23:00:00Z", "follower"), before)).isTrue();
    assertThat(CrawlerMasterReconciler.podChangeMatters(pod(false, null, "leader"), before)).isTrue();
    Pod otherIp = pod(false, null, "follower");
    otherIp.getStatus().setPodIP("10.1.0.2");
    assertThat(CrawlerMasterReconciler.podChangeMatters(otherIp, before)).isFalse();
  }

  /**
   * The mock server runs no StatefulSet controller, so the rollout waits for a StatefulSet status
   * that never comes, and the election of the sample endpoint cannot be read: nothing changes, so
   * nothing may be reconciled again. A once-a-second recheck of waiting rollouts did, for every such
   * cluster, for as long as it waited.
   */
  @Test
  void aCrawlerMasterWaitingForItsReplicasIsNotReconciledAgainWithoutAnEvent() throws Exception {
    String ns = "idle";
    OperatorMetrics metrics = new OperatorMetrics();
    Operator operator = CrawlerOperator.create(client,
        onMockServer(new OperatorSettings("crawler-master:test", Set.of(ns))).withMetrics(metrics));
    operator.start();
    try {
      client.resource(crawlerMaster(ns, "demo")).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        CrawlerMaster cm = client.resources(CrawlerMaster.class).inNamespace(ns).withName("demo").get();
        return cm.getStatus() != null && cm.getStatus().getConditions() != null
            && cm.getStatus().getConditions().stream().anyMatch(c -> "EtcdReachable".equals(c.getType()));
      });
      // Let the reconciles the status patch and the first election state cause run out: the count
      // holds still for 1.5 s (however long a busy machine takes to get there; a recheck once a
      // second never lets it, and the wait fails).
      double settled = awaitReconcilesSettled(metrics, Duration.ofMillis(1500), Duration.ofSeconds(30));

      // Long enough for a periodic recheck of a waiting rollout to show at least twice.
      Thread.sleep(3000);

      assertThat(reconciles(metrics)).isEqualTo(settled);
    } finally {
      operator.stop();
    }
  }

  /** The reconcile count once it has not changed for {@code quiet}; fails if that takes longer than {@code within}. */
  private static double awaitReconcilesSettled(OperatorMetrics metrics, Duration quiet, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    double last = reconciles(metrics);
    while (true) {
      Thread.sleep(quiet.toMillis());
      double now = reconciles(metrics);
      if (now == last) {
        return now;
      }
      assertThat(System.nanoTime()).as("reconciles still rising after %s: %s", within, now).isLessThan(deadline);
      last = now;
    }
  }

  private static double reconciles(OperatorMetrics metrics) {
    return TestingPrometheusText.parse(metrics.scrape()).find("crawler_operator_reconciles_total", Map.of())
        .stream().mapToDouble(TestingPrometheusText.Sample::value).sum();
  }
}
