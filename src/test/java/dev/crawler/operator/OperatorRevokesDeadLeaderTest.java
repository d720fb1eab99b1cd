package dev.crawler.operator;

import dev.crawler.operator.failover.DeadLeaderEvidence;
import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.operator.etcd.ElectionEventSource;
import dev.crawler.operator.resources.MasterResources;
import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static dev.crawler.testing.TestingCrawlerMasters.installCrd;
import static dev.crawler.testing.TestingCrawlerMasters.onMockServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.testing.TestingCandidate;
import dev.crawler.testing.TestingEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator revokes a dead leader's lease on what the kubelet reports, with nothing else
 * detecting it: the candidates are bare jetcd clients that keep their leases alive (TTL 60 s) and
 * never probe anyone, so the leader only changes before the TTL if the operator revokes. Real etcd;
 * the fabric8 mock API server (CRUD mode) stands in for the API server and the kubelet's pod status.
 */
@Tag("etcd")
@EnableKubernetesMockClient(crud = true)
class OperatorRevokesDeadLeaderTest {
  static KubernetesClient client;
  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final long TTL = 60;
  private static final String NAME = "demo";

  private TestingEtcd etcd;
  private Client etcdClient;
  private Operator operator;
  private String ns;
  private final List<TestingCandidate> candidates = new ArrayList<>();

  @BeforeAll
  static void loadCrd() {
    installCrd(client);
  }

  @BeforeEach
  void setUp() throws Exception {
    etcd = TestingEtcd.startNew();
    etcdClient = Client.builder().endpoints(etcd.endpoint()).build();
    ns = "revoke" + NAMESPACES.incrementAndGet();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (operator != null) {
      operator.stop();
    }
    candidates.forEach(TestingCandidate::close);
    etcdClient.close();
    etcd.close();
  }

  private void startOperator(boolean revokeDeadLeader) {
    operator = CrawlerOperator.create(client,
        onMockServer(new OperatorSettings("crawler-master:test", Set.of(ns), revokeDeadLeader))
            .withElectionEvents(new ElectionEventSource()));
    operator.start();
  }

  /** CR, pods demo-0..2, and candidates demo-0 (leading) and demo-1 (waiting); returns once the status shows demo-0. */
  private void leaderDemo0WithDemo1Waiting() throws Exception {
    CrawlerMaster cm = client.resource(crawlerMaster(ns, NAME, etcd.endpoint())).create();
    for (int i = 0; i < 3; i++) {
      client.pods().inNamespace(ns).resource(new PodBuilder()
          .withNewMetadata().withName(NAME + "-" + i).withNamespace(ns).withLabels(MasterResources.labels(cm))
          .endMetadata()
          .withNewStatus().withContainerStatuses(new ContainerStatusBuilder()
              .withName(MasterResources.CONTAINER_NAME).withRestartCount(0)
              .withNewState().withNewRunning().withStartedAt(now()).endRunning().endState().build())
          .endStatus()
          .build()).create();
    }
    TestingCandidate leader = candidate("demo-0");
    leader.campaign().get();
    candidate("demo-1").campaign();
    awaitCandidates(2);
    await().atMost(TIMEOUT).until(() -> "demo-0".equals(status().getLeader())
        && CrawlerMasterConditions.ELECTED.equals(CrawlerMasterConditions.find(status(), CrawlerMasterConditions.LEADER_ELECTED)
            .map(c -> c.getReason()).orElse(null)));
    // Kubernetes timestamps have whole seconds, and evidence counts only past DeadLeaderEvidence.CLOCK_MARGIN.
    Thread.sleep(3100);
  }

  private TestingCandidate candidate(String pod) throws Exception {
    TestingCandidate c = TestingCandidate.pod(etcdClient, dev.crawler.api.KeyLayout.defaultFor(ns, NAME).election(), pod, TTL);
    candidates.add(c);
    return c;
  }

  private void awaitCandidates(long n) {
    ByteSequence prefix =
        ByteSequence.from(dev.crawler.api.KeyLayout.defaultFor(ns, NAME).election() + "/", StandardCharsets.UTF_8);
    GetOption count = GetOption.builder().isPrefix(true).withCountOnly(true).build();
    await().atMost(TIMEOUT).until(() -> etcdClient.getKVClient().get(prefix, count).get().getCount() == n);
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private CrawlerMasterStatus status() {
    CrawlerMaster cm = client.resources(CrawlerMaster.class).inNamespace(ns).withName(NAME).get();
    return cm == null || cm.getStatus() == null ? new CrawlerMasterStatus() : cm.getStatus();
  }

  private List<String> revokedEvents() {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> CrawlerMasterConditions.LEADER_REVOKED.equals(e.getReason()))
        .map(e -> e.getType() + " " + e.getMessage())
        .toList();
  }

  /** As the kubelet reports a crashed container it started again. */
  private void restartMasterContainerOf(String podName) {
    Pod pod = client.pods().inNamespace(ns).withName(podName).get();
    String at = now();
    pod.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder()
        .withName(MasterResources.CONTAINER_NAME).withRestartCount(1)
        .withNewState().withNewRunning().withStartedAt(at).endRunning().endState()
        .withNewLastState().withNewTerminated().withFinishedAt(at).withReason("Error").withExitCode(137)
        .endTerminated().endLastState()
        .build()));
    client.pods().inNamespace(ns).resource(pod).updateStatus();
  }

  @Test
  void leaderWhoseMasterContainerRestartedIsRevokedAndTheNextLeadsAtOnce() throws Exception {
    startOperator(true);
    leaderDemo0WithDemo1Waiting();

    long start = System.nanoTime();
    restartMasterContainerOf("demo-0");
    await().atMost(Duration.ofSeconds(15)).until(() -> "demo-1".equals(status().getLeader()));
    System.out.printf("container restart of the leader -> demo-1 in status after %d ms (lease TTL %d s)%n",
        (System.nanoTime() - start) / 1_000_000, TTL);
    await().atMost(TIMEOUT).until(() -> !revokedEvents().isEmpty());
    assertThat(revokedEvents()).singleElement().satisfies(e -> assertThat(e)
        .startsWith("Warning revoked the etcd lease of leader demo-0")
        .contains("container master of pod demo-0 terminated at")
        .contains("exit code 137")
        .contains("restart count 1"));
  }

  @Test
  void leaderWhosePodIsGoneIsRevoked() throws Exception {
    startOperator(true);
    leaderDemo0WithDemo1Waiting();

    client.pods().inNamespace(ns).withName("demo-0").delete();
    await().atMost(Duration.ofSeconds(15)).until(() -> "demo-1".equals(status().getLeader()));
    await().atMost(TIMEOUT).until(() -> !revokedEvents().isEmpty());
    assertThat(revokedEvents()).singleElement().satisfies(e -> assertThat(e).contains("pod demo-0 is gone"));
  }

  @Test
  void withTheRevokeOffTheLeaderKeepsItsLeaseUntilTheTtl() throws Exception {
    startOperator(false);
    leaderDemo0WithDemo1Waiting();

    restartMasterContainerOf("demo-0");
    client.pods().inNamespace(ns).withName("demo-0").delete();
    Thread.sleep(3000);
    assertThat(status().getLeader()).isEqualTo("demo-0");
    assertThat(revokedEvents()).isEmpty();
  }
}
