package dev.crawler.operator;

import dev.crawler.operator.failover.DeadLeaderEvidence;
import dev.crawler.operator.settings.OperatorSettings;
import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.api.ElectionSpec;
import dev.crawler.election.Election;
import dev.crawler.election.Candidate;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingKubelet;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator's detector alone, end to end: a real kube-apiserver, the operator, real master
 * processes run by the kubelet stand-in with their own detectors off ({@code --probe-leader=false
 * --revoke-previous-lease=false}), a lease TTL of 30 s. The leader's process is SIGKILLed; the
 * stand-in restarts it as a kubelet would and reports the new start in the pod status. Only the
 * operator can then replace the leader before its lease expires (at least 22.5 s after the kill).
 */
@Tag("apiserver")
@Tag("process")
@Tag("etcd")
class KubeletReportedCrashTest {
  private static final int TTL_SECONDS = 30;
  private static final String NAME = "demo";
  private static final String NS = "kubelet-crash";

  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  private static Optional<Candidate> leader(Client etcd, String election) {
    try {
      return new Election(etcd, election).leader().get(2, TimeUnit.SECONDS);
    } catch (Exception noLeaderYet) {
      return Optional.empty();
    }
  }

  @Test
  void operatorRevokesTheLeaseOfALeaderWhoseContainerTheKubeletRestarted() throws Exception {
    TestingKubeApiServer api = TestingKubeApiServer.startNew();
    cleanup.add(api);
    api.installCrd();
    api.ensureNamespace(NS);
    KubernetesClient kube = api.client();
    TestingEtcd etcd = TestingEtcd.startNew();
    cleanup.add(etcd);
    Client etcdClient = Client.builder().endpoints(etcd.endpoint()).build();
    cleanup.add(etcdClient);

    Operator operator = CrawlerOperator.create(kube,
        CrawlerOperator.Options.of(new OperatorSettings("crawler-master:test", Set.of(NS), true)));
    operator.start();
    cleanup.add(operator::stop);
    TestingKubelet.PodCommand master = TestingKubelet.masterCommand();
    TestingKubelet kubelet = TestingKubelet.start(kube, Files.createTempDirectory("kubelet-crash"),
        (pod, container) -> {
          List<String> command = new ArrayList<>(master.command(pod, container));
          command.addAll(List.of("--probe-leader=false", "--revoke-previous-lease=false"));
          return command;
        },
        Duration.ofMillis(200));
    cleanup.add(kubelet);

    CrawlerMaster cm = crawlerMaster(NS, NAME, etcd.endpoint());
    cm.getSpec().setReplicas(2);
    ElectionSpec election = new ElectionSpec();
    election.setLeaseTTLSeconds(TTL_SECONDS);
    cm.getSpec().setElection(election);
    kube.resource(cm).create();
    String electionName = cm.keyLayout().election();

    ByteSequence candidates = ByteSequence.from(electionName + "/", StandardCharsets.UTF_8);
    GetOption count = GetOption.builder().isPrefix(true).withCountOnly(true).build();
    await().atMost(Duration.ofSeconds(120)).until(() ->
        etcdClient.getKVClient().get(candidates, count).get().getCount() == 2);
    Candidate old = await().atMost(Duration.ofSeconds(30)).until(() -> leader(etcdClient, electionName).orElse(null),
        l -> l != null && l.id().equals(status(kube).getLeader())
            && CrawlerMasterConditions.ELECTED.equals(CrawlerMasterConditions.find(status(kube), CrawlerMasterConditions.LEADER_ELECTED)
                .map(c -> c.getReason()).orElse(null)));
    // Kubernetes timestamps have whole seconds, and evidence counts only past DeadLeaderEvidence.CLOCK_MARGIN.
    Thread.sleep(3100);

    long pid = kubelet.pid(NS, old.id()).orElseThrow();
    long start = System.nanoTime();
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    Candidate next = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
        .until(() -> leader(etcdClient, electionName).orElse(null), l -> l != null && l.term() != old.term());
    System.out.printf("SIGKILL of %s (probe and clean-up off): %s leads after %d ms (lease TTL %d s)%n",
        old.id(), next.id(), (System.nanoTime() - start) / 1_000_000, TTL_SECONDS);

    assertThat(next.id()).isNotEqualTo(old.id());
    await().atMost(Duration.ofSeconds(30)).until(() -> !revokedEvents(kube).isEmpty());
    assertThat(revokedEvents(kube)).singleElement().satisfies(e -> assertThat(e)
        .contains("revoked the etcd lease of leader " + old.id() + " (term " + old.term() + ")")
        .contains("container master of pod " + old.id()));
  }

  private static CrawlerMasterStatus status(KubernetesClient kube) {
    CrawlerMaster cm = kube.resources(CrawlerMaster.class).inNamespace(NS).withName(NAME).get();
    return cm == null || cm.getStatus() == null ? new CrawlerMasterStatus() : cm.getStatus();
  }

  private static List<String> revokedEvents(KubernetesClient kube) {
    return kube.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> CrawlerMasterConditions.LEADER_REVOKED.equals(e.getReason()))
        .map(e -> e.getMessage())
        .toList();
  }
}
