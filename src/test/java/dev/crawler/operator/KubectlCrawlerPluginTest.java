package dev.crawler.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.election.Election;
import dev.crawler.election.Candidate;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingKubelet;
import dev.crawler.testing.TestingOperatedCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl crawler}, installed by {@code make install-plugin} and found by kubectl on PATH,
 * against a real kube-apiserver with the operator and three real masters (kubelet stand-in).
 */
@Tag("apiserver")
@Tag("process")
@Tag("etcd")
class KubectlCrawlerPluginTest {
  private static final String NAME = "demo";
  private static final String NS = "plugin";

  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private Path pluginDir;
  private TestingKubeApiServer api;

  @AfterEach
  void stop() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  record Run(int exitCode, String stdout, String stderr) {}

  private Run kubectl(String... args) throws IOException, InterruptedException {
    return kubectlWithKubeconfigEnv(api.kubeconfigFile().toString(), args);
  }

  private Run kubectlWithKubeconfigEnv(String kubeconfigEnv, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(TestingKubeApiServer.kubectlBinary()));
    command.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("KUBECONFIG", kubeconfigEnv);
    pb.environment().put("PATH", pluginDir + ":" + Path.of(TestingKubeApiServer.kubectlBinary()).getParent() + ":" + System.getenv("PATH"));
    Process p = pb.start();
    var out = p.getInputStream();
    var err = p.getErrorStream();
    String stdout = new String(out.readAllBytes(), StandardCharsets.UTF_8);
    String stderr = new String(err.readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    Run run = new Run(p.exitValue(), stdout, stderr);
    System.out.println("$ kubectl " + String.join(" ", args) + "\n" + stdout + stderr + "(exit " + run.exitCode() + ")");
    return run;
  }

  @Test
  void statusPrintsLeaderAndRolesAndSwitchoverWaitsForTheOutcomeWithExitCodes() throws Exception {
    pluginDir = Files.createTempDirectory("plugin");
    Process make = new ProcessBuilder("make", "-s", "install-plugin", "PLUGIN_DIR=" + pluginDir)
        .directory(TestingKubeApiServer.projectDir().toFile()).inheritIO().start();
    assertThat(make.waitFor()).isZero();
    assertThat(pluginDir.resolve("kubectl-crawler")).isExecutable();

    TestingOperatedCluster cluster = TestingOperatedCluster.start(NS, NAME, 3, TestingKubelet.masterCommand(), cm -> {});
    cleanup.add(cluster);
    api = cluster.api();
    Election election = cluster.election();

    Run help = kubectl("crawler", "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.stdout()).contains("kubectl crawler status").contains("kubectl crawler switchover NAME [--to POD]");
    assertThat(kubectl("crawler", "frobnicate").exitCode()).isEqualTo(2);
    assertThat(kubectl("crawler", "switchover").exitCode()).isEqualTo(2);
    Run none = kubectl("crawler", "status", "-n", "nothing-here");
    assertThat(none.exitCode()).isZero();
    assertThat(none.stderr()).contains("No CrawlerMasters found");

    List<Candidate> queue = election.candidates().get(2, TimeUnit.SECONDS);
    Candidate old = queue.get(0);
    Candidate target = queue.get(2);
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      String s = kubectl("crawler", "status", "-n", NS, NAME).stdout();
      return s.lines().filter(l -> l.contains("leader")).count() == 1 && s.lines().filter(l -> l.contains("follower")).count() == 2
          && s.lines().anyMatch(l -> l.startsWith(NS) && l.matches(".*\\s3\\s+3\\s*$"));
    });

    Run status = kubectl("crawler", "status", "-n", NS);
    assertThat(status.exitCode()).isZero();
    List<String> lines = status.stdout().lines().toList();
    assertThat(lines.get(0).split("\\s+"))
        .containsExactly("NAMESPACE", "NAME", "LEADER", "TERM", "LEADER-SINCE", "TRANSITIONS", "READY", "REPLICAS");
    assertThat(lines.get(1).split("\\s+")).startsWith(NS, NAME, old.id(), Long.toString(old.term()));
    assertThat(lines.get(1).split("\\s+")).endsWith("3", "3");
    assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+")).startsWith("NAMESPACE", "CLUSTER", "POD", "ROLE"));
    assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+")).startsWith(NS, NAME, old.id(), "leader"));
    assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+")).startsWith(NS, NAME, target.id(), "follower"));

    // kubectl's global flags reach every kubectl call: with KUBECONFIG naming no file, only
    // --kubeconfig finds the API server.
    String nowhere = pluginDir.resolve("no-such-kubeconfig").toString();
    assertThat(kubectlWithKubeconfigEnv(nowhere, "crawler", "status", "-n", NS, NAME).exitCode()).isNotZero();
    Run json = kubectlWithKubeconfigEnv(nowhere, "crawler", "status", "-n", NS, NAME, "-o", "json",
        "--kubeconfig", api.kubeconfigFile().toString());
    assertThat(json.exitCode()).as(json.stderr()).isZero();
    var cr = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.stdout());
    assertThat(cr.get("kind").asText()).isEqualTo("CrawlerMaster");
    assertThat(cr.path("status").path("leader").asText()).isEqualTo(old.id());
    assertThat(kubectl("crawler", "status", "-n", NS, "--output=yaml").stdout()).contains("kind: List").contains("leader: " + old.id());
    assertThat(kubectl("crawler", "status", "-o", "wide").exitCode()).isEqualTo(2);

    Run moved = kubectl("crawler", "switchover", NAME, "-n", NS, "--to", target.id());
    assertThat(moved.exitCode()).isZero();
    assertThat(moved.stdout()).contains("SwitchoverSucceeded").contains(target.id() + " leads");
    assertThat(election.leader().get(2, TimeUnit.SECONDS)).hasValueSatisfying(l -> assertThat(l.id()).isEqualTo(target.id()));

    Run refused = kubectl("crawler", "switchover", NAME, "-n", NS, "--to", "demo-9");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.stdout()).contains("SwitchoverFailed").contains("404");
    Run again = kubectl("crawler", "switchover", NAME, "-n", NS, "--to", "demo-9");
    assertThat(again.exitCode()).as("the same failure twice is still an outcome").isEqualTo(1);
    assertThat(election.leader().get(2, TimeUnit.SECONDS)).hasValueSatisfying(l -> assertThat(l.id()).isEqualTo(target.id()));
  }
}
