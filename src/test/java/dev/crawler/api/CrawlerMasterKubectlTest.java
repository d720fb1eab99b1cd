package dev.crawler.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingKubeApiServer.KubectlResult;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What users see through the real kubectl: printer columns, explain, server-side apply. */
@Tag("apiserver")
class CrawlerMasterKubectlTest {
  private static final String NS = "kubectl-test";
  private static TestingKubeApiServer api;
  private static KubernetesClient client;

  @BeforeAll
  static void startApiServer() {
    api = TestingKubeApiServer.shared();
    client = api.client();
    api.ensureNamespace(NS);
  }

  @Test
  void getShowsReplicasReadyLeaderTermWorkersAndAgeOnceStatusIsSet() {
    CrawlerMaster cm = newCrawlerMaster("columns", 3);
    client.resource(cm).inNamespace(NS).create();
    CrawlerMasterStatus status = new CrawlerMasterStatus();
    status.setReplicas(3);
    status.setReadyReplicas(2);
    status.setLeader("columns-1");
    status.setLeaderAddress("127.0.0.3:8080");
    status.setTerm(42L);
    status.setWorkers(4);
    CrawlerMaster withStatus = client.resources(CrawlerMaster.class).inNamespace(NS).withName("columns").get();
    withStatus.setStatus(status);
    client.resource(withStatus).updateStatus();

    KubectlResult get = api.kubectl("get", "crawlermasters", "-n", NS).assertSuccess();
    System.out.print(get.stdout());

    List<String> lines = get.stdout().lines().toList();
    List<String> header = Arrays.asList(lines.get(0).trim().split("\\s+"));
    assertThat(header).containsExactlyInAnyOrder("NAME", "REPLICAS", "READY", "LEADER", "TERM", "WORKERS", "AGE");
    List<String> row = Arrays.asList(lines.get(1).trim().split("\\s+"));
    assertThat(row.get(header.indexOf("NAME"))).isEqualTo("columns");
    assertThat(row.get(header.indexOf("REPLICAS"))).isEqualTo("3");
    assertThat(row.get(header.indexOf("READY"))).isEqualTo("2");
    assertThat(row.get(header.indexOf("LEADER"))).isEqualTo("columns-1");
    assertThat(row.get(header.indexOf("TERM"))).isEqualTo("42");
    assertThat(row.get(header.indexOf("WORKERS"))).isEqualTo("4");
  }

  @Test
  void shortNameAndCategoryFindCrawlerMasters() {
    client.resource(newCrawlerMaster("short", 1)).inNamespace(NS).create();

    assertThat(api.kubectl("get", "cmaster", "-n", NS, "-o", "name").assertSuccess().stdout())
        .contains("crawlermaster.crawler.dev/short");
    assertThat(api.kubectl("get", "crawler", "-n", NS, "-o", "name").assertSuccess().stdout())
        .contains("crawlermaster.crawler.dev/short");
  }

  @Test
  void explainShowsTheFieldDescriptions() {
    // kubectl explain reads the OpenAPI v3 document, which the server publishes shortly after the CRD.
    KubectlResult spec = api.awaitKubectl(Duration.ofSeconds(60), "explain", "crawlermaster.spec");
    KubectlResult etcd = api.kubectl("explain", "crawlermaster.spec.etcd").assertSuccess();
    KubectlResult ttl = api.kubectl("explain", "crawlermaster.spec.election.leaseTTLSeconds").assertSuccess();
    KubectlResult workers = api.kubectl("explain", "crawlermaster.spec.workers").assertSuccess();
    assertThat(normalize(workers.stdout()))
        .contains("Crawl workers the operator runs for this cluster")
        .contains("Number of worker pods (0-100, default 2).")
        .contains("allowPrivateTargets")
        .contains("crawlDelayMillis");
    System.out.print(etcd.stdout());

    assertThat(normalize(spec.stdout()))
        .contains("Desired state of the master cluster.")
        .contains("replicas")
        .contains("Number of master replicas (1-9).")
        .contains("HTTP port of each master replica's API");
    assertThat(normalize(etcd.stdout()))
        .contains("endpoints")
        .contains("etcd client endpoints, each http://host:port or https://host:port")
        .contains("keyPrefix")
        .contains("Two CrawlerMasters on the same etcd must not overlap.")
        .contains("bracketed IPv6 literal")
        .contains("tls")
        .contains("auth");
    assertThat(normalize(api.kubectl("explain", "crawlermaster.spec.etcd.tls.secretName").assertSuccess().stdout()))
        .contains("with ca.crt (PEM; the CA that signed etcd's server certificate)")
        .contains("A cert-manager Certificate's Secret has these keys.");
    assertThat(normalize(api.kubectl("explain", "crawlermaster.spec.etcd.auth.secretName").assertSuccess().stdout()))
        .contains("with the etcd user's username and password");
    assertThat(normalize(ttl.stdout())).contains("TTL of each replica's etcd lease in seconds (2-60, default 5).");

    KubectlResult scheduling = api.kubectl("explain", "crawlermaster.spec.scheduling").assertSuccess();
    assertThat(normalize(scheduling.stdout()))
        .contains("kept apart across nodes by default (a preferred pod anti-affinity on kubernetes.io/hostname)")
        .contains("podAntiAffinity")
        .contains("topologyKey")
        .contains("topologySpreadConstraints")
        .contains("nodeSelector")
        .contains("tolerations")
        .contains("priorityClassName")
        .contains("affinity");
    assertThat(normalize(api.kubectl("explain", "crawlermaster.spec.scheduling.podAntiAffinity")
        .assertSuccess().stdout()))
        .contains("preferred (default; the scheduler tries, and a one-node cluster still runs them all)");
    assertThat(normalize(api.kubectl("explain", "crawlermaster.spec.enablePodDisruptionBudget")
        .assertSuccess().stdout()))
        .contains("so a node drain evicts one master at a time");
    assertThat(normalize(spec.stdout())).contains("imagePullSecrets").contains("podMetadata");
  }

  @Test
  void serverSideApplyCreatesAndASecondManagerConflictsOnReplicas() {
    String yaml = """
        apiVersion: crawler.dev/v1alpha1
        kind: CrawlerMaster
        metadata: {name: ssa}
        spec:
          replicas: %d
          etcd: {endpoints: ["http://etcd.crawler-system:2379"]}
        """;
    api.kubectlWithInput(yaml.formatted(3), "apply", "--server-side", "--field-manager=alice", "-n", NS, "-f", "-")
        .assertSuccess();
    assertThat(client.resources(CrawlerMaster.class).inNamespace(NS).withName("ssa").get().getSpec().getReplicas())
        .isEqualTo(3);

    KubectlResult conflict = api.kubectlWithInput(
        yaml.formatted(5), "apply", "--server-side", "--field-manager=bob", "-n", NS, "-f", "-");
    System.out.print(conflict.stderr());
    assertThat(conflict.exitCode()).isNotZero();
    assertThat(conflict.stderr()).contains("conflict").contains("alice").contains(".spec.replicas");

    CrawlerMaster bobs = newCrawlerMaster("ssa", 5);
    assertThatThrownBy(() -> client.resource(bobs).inNamespace(NS).fieldManager("bob").serverSideApply())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

    api.kubectlWithInput(yaml.formatted(5), "apply", "--server-side", "--force-conflicts", "--field-manager=bob",
        "-n", NS, "-f", "-").assertSuccess();
    assertThat(client.resources(CrawlerMaster.class).inNamespace(NS).withName("ssa").get().getSpec().getReplicas())
        .isEqualTo(5);
  }

  private static CrawlerMaster newCrawlerMaster(String name, int replicas) {
    CrawlerMaster cm = new CrawlerMaster();
    cm.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    CrawlerMasterSpec spec = new CrawlerMasterSpec();
    spec.setReplicas(replicas);
    EtcdSpec etcd = new EtcdSpec();
    etcd.setEndpoints(List.of("http://etcd.crawler-system:2379"));
    spec.setEtcd(etcd);
    cm.setSpec(spec);
    return cm;
  }

  /** kubectl wraps descriptions at its terminal width: compare text with single spaces. */
  private static String normalize(String text) {
    return Arrays.stream(text.split("\\s+")).collect(Collectors.joining(" "));
  }
}
