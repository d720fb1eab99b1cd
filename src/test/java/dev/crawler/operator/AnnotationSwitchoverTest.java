package dev.crawler.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.election.Election;
import dev.crawler.election.Candidate;
import dev.crawler.testing.TestingCrawlerMasters;
import dev.crawler.testing.TestingKubelet;
import dev.crawler.testing.TestingOperatedCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The declarative trigger end to end: a real kube-apiserver, the operator, three real master
 * processes run by the kubelet stand-in, a real etcd. {@code crawler.dev/switchover-to} on the CR
 * moves leadership through the leader's API; the annotation is taken once and the outcome reported.
 */
@Tag("apiserver")
@Tag("process")
@Tag("etcd")
class AnnotationSwitchoverTest {
  private static final String NAME = "demo";
  private static final String NS = "switchover";

  private TestingOperatedCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void annotatingAFollowerMakesItLeadAndAnUnknownPodIsReportedAsFailedOnce() throws Exception {
    cluster = TestingOperatedCluster.start(NS, NAME, 3, TestingKubelet.masterCommand(), cm -> {});
    KubernetesClient kube = cluster.kube();
    Election election = cluster.election();
    List<Candidate> queue = election.candidates().get(2, TimeUnit.SECONDS);
    Candidate old = queue.get(0);
    Candidate target = queue.get(2);
    await().atMost(Duration.ofSeconds(30)).until(() -> old.id().equals(status(kube).getLeader()));
    await().atMost(Duration.ofSeconds(30)).until(() -> updated(status(kube)).map(c -> "True".equals(c.getStatus())).orElse(false));

    annotate(kube, target.id());
    CrawlerMasterStatus first = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
        .until(() -> status(kube), s -> CrawlerMasterConditions.find(s, CrawlerMasterConditions.SWITCHOVER).isPresent());
    Condition done = CrawlerMasterConditions.find(first, CrawlerMasterConditions.SWITCHOVER).orElseThrow();
    System.out.println("switchover condition: " + done);
    assertThat(updated(first)).as("a fully updated cluster stays Updated through a switchover")
        .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo(CrawlerMasterConditions.ALL_REPLICAS_UPDATED));
    assertThat(done.getStatus()).isEqualTo("True");
    assertThat(done.getReason()).isEqualTo(CrawlerMasterConditions.SWITCHOVER_SUCCEEDED);
    assertThat(done.getMessage()).contains(target.id() + " leads");
    assertThat(election.leader().get(2, TimeUnit.SECONDS)).hasValueSatisfying(l -> assertThat(l.id()).isEqualTo(target.id()));
    await().atMost(Duration.ofSeconds(30)).until(() -> target.id().equals(status(kube).getLeader()));
    assertThat(annotations(kube)).doesNotContainKey(CrawlerMaster.SWITCHOVER_TO_ANNOTATION);
    await().atMost(Duration.ofSeconds(10)).until(() -> events(kube, CrawlerMasterConditions.SWITCHOVER_SUCCEEDED).size() == 1);
    long transitions = status(kube).getLeaderTransitions();

    annotate(kube, "demo-9");
    Condition failed = await().atMost(Duration.ofSeconds(30))
        .until(() -> switchoverCondition(kube), c -> c.isPresent() && "False".equals(c.get().getStatus())).get();
    assertThat(failed.getReason()).isEqualTo(CrawlerMasterConditions.SWITCHOVER_FAILED);
    assertThat(failed.getMessage()).contains("HTTP 404").contains("demo-9");
    await().atMost(Duration.ofSeconds(10)).until(() -> events(kube, CrawlerMasterConditions.SWITCHOVER_FAILED).size() == 1);
    assertThat(annotations(kube)).doesNotContainKey(CrawlerMaster.SWITCHOVER_TO_ANNOTATION);
    // Reported once, not retried: the leader and the transition count stay as they were.
    Thread.sleep(2000);
    assertThat(events(kube, CrawlerMasterConditions.SWITCHOVER_FAILED)).hasSize(1);
    assertThat(status(kube).getLeader()).isEqualTo(target.id());
    assertThat(status(kube).getLeaderTransitions()).isEqualTo(transitions);
  }

  private static void annotate(KubernetesClient kube, String value) {
    TestingCrawlerMasters.edit(kube, NS, NAME, c -> {
      c.getMetadata().getAnnotations().put(CrawlerMaster.SWITCHOVER_TO_ANNOTATION, value);
    });
  }

  private static Map<String, String> annotations(KubernetesClient kube) {
    Map<String, String> a = kube.resources(CrawlerMaster.class).inNamespace(NS).withName(NAME).get().getMetadata().getAnnotations();
    return a == null ? Map.of() : a;
  }

  private CrawlerMasterStatus status(KubernetesClient kube) {
    return cluster.status();
  }

  private static Optional<Condition> updated(CrawlerMasterStatus status) {
    return CrawlerMasterConditions.find(status, CrawlerMasterConditions.UPDATED);
  }

  private Optional<Condition> switchoverCondition(KubernetesClient kube) {
    return CrawlerMasterConditions.find(status(kube), CrawlerMasterConditions.SWITCHOVER);
  }

  private static List<String> events(KubernetesClient kube, String reason) {
    return kube.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).map(e -> e.getMessage()).toList();
  }
}
