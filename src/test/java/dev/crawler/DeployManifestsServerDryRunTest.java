package dev.crawler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.operator.resources.MasterResources;
import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.testing.TestingCrawlerMasters;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingPromtool;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every manifest under {@code deploy/} is accepted by a real kube-apiserver
 * ({@code kubectl apply --dry-run=server}), file by file and, when there is a
 * {@code kustomization.yaml}, as the kustomization {@code make deploy} applies.
 */
@Tag("apiserver")
class DeployManifestsServerDryRunTest {
  private static final String NAMESPACE = "crawler-system";
  private static TestingKubeApiServer api;

  /** What kube-apiserver's Pod Security admission says about a workload it only warns for. */
  private static final String POD_SECURITY_WARNING = "would violate PodSecurity";

  @BeforeAll
  static void startApiServer() {
    api = TestingKubeApiServer.shared();
    // Namespaced manifests are validated against their namespace, which must exist with its
    // Pod Security labels (enforce/warn restricted), whichever test ran first.
    api.kubectl("apply", "-f", TestingKubeApiServer.projectDir().resolve("deploy/namespace.yaml").toString())
        .assertSuccess();
    // deploy/monitoring/ is validated against prometheus-operator's own schema.
    TestingPromtool.installMonitoringCrds(api);
  }

  @Test
  void operatorGeneratedMasterPodFitsTheRestrictedProfile() {
    CrawlerMaster cm = TestingCrawlerMasters.stored(
        TestingCrawlerMasters.crawlerMaster(NAMESPACE, "psa", TestingCrawlerMasters.ETCD), "uid-psa", "2026-01-01T00:00:00Z");
    StatefulSet sts = MasterResources.statefulSet(cm, OperatorSettings.defaults());
    sts.getMetadata().setOwnerReferences(null);
    Pod pod = new PodBuilder()
        .withMetadata(new ObjectMetaBuilder().withName("psa-0").withNamespace(NAMESPACE)
            .withLabels(sts.getSpec().getTemplate().getMetadata().getLabels()).build())
        .withSpec(sts.getSpec().getTemplate().getSpec())
        .build();
    KubernetesSerialization yaml = api.client().getKubernetesSerialization();

    // A StatefulSet is only warned about; a Pod is refused under enforce=restricted.
    var statefulSet = api.kubectlWithInput(yaml.asYaml(sts), "apply", "--dry-run=server", "-f", "-");
    assertThat(statefulSet.exitCode()).as(statefulSet.toString()).isZero();
    assertThat(statefulSet.stderr()).as(statefulSet.toString()).doesNotContain(POD_SECURITY_WARNING);
    var podResult = api.kubectlWithInput(yaml.asYaml(pod), "apply", "--dry-run=server", "-f", "-");
    assertThat(podResult.exitCode()).as(podResult.toString()).isZero();
    assertThat(podResult.stderr()).as(podResult.toString()).doesNotContain(POD_SECURITY_WARNING);
  }

  @Test
  void podSecurityWarningsAreWhatThisTestReads() {
    // The check above is only worth something if the API server does warn for a workload that breaks the profile.
    String root = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: psa-root, namespace: crawler-system}
        spec:
          selector: {matchLabels: {app: psa-root}}
          template:
            metadata: {labels: {app: psa-root}}
            spec:
              containers: [{name: c, image: busybox}]
        """;
    var result = api.kubectlWithInput(root, "apply", "--dry-run=server", "-f", "-");
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.stderr()).contains(POD_SECURITY_WARNING);
  }

  @Test
  void theMonitoringSchemaRefusesAMistypedPodMonitor() {
    // The dry runs of deploy/monitoring/ are only worth something if the generated CRDs carry a schema.
    String wrong = """
        apiVersion: monitoring.coreos.com/v1
        kind: PodMonitor
        metadata: {name: wrong, namespace: crawler-system}
        spec:
          selector: {matchLabels: {app: x}}
          podMetricsEndpoints: [{port: probes, honorLabels: "yes"}]
        """;
    var result = api.kubectlWithInput(wrong, "apply", "--dry-run=server", "-f", "-");
    assertThat(result.exitCode()).as(result.toString()).isNotZero();
    assertThat(result.stderr()).contains("honorLabels");
  }

  @TestFactory
  Stream<DynamicTest> everyManifestInDeployIsAcceptedByTheApiServer() throws IOException {
    Path deploy = TestingKubeApiServer.projectDir().resolve("deploy");
    List<Path> manifests;
    try (Stream<Path> walk = Files.walk(deploy)) {
      manifests = walk.filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .filter(p -> !p.getFileName().toString().startsWith("kustomization."))
          // deploy/kind/ holds kind's own cluster config, read by the kind CLI, not the API server.
          .filter(p -> !deploy.relativize(p).startsWith("kind"))
          // deploy/monitoring/rules/ holds Prometheus rule files (promtool reads them: MonitoringTest).
          .filter(p -> !deploy.relativize(p).startsWith(Path.of("monitoring", "rules")))
          .sorted().toList();
    }
    assertThat(manifests).as("YAML files under %s", deploy).isNotEmpty();

    List<DynamicTest> tests = new ArrayList<>();
    for (Path file : manifests) {
      tests.add(DynamicTest.dynamicTest(deploy.relativize(file).toString(), () -> {
        var result = api.kubectl("apply", "--dry-run=server", "-f", file.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stderr()).as(result.toString()).doesNotContain(POD_SECURITY_WARNING);
      }));
    }
    try (Stream<Path> walk = Files.walk(deploy)) {
      walk.filter(p -> p.getFileName().toString().matches("kustomization\\.ya?ml")).sorted().forEach(k -> {
        Path dir = k.getParent();
        tests.add(DynamicTest.dynamicTest("kustomize " + deploy.getParent().relativize(dir), () -> {
          var result = api.kubectl("apply", "--dry-run=server", "-k", dir.toString());
          assertThat(result.exitCode()).as(result.toString()).isZero();
        }));
      });
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> singleNamespaceInstallIsAcceptedAndHasNoClusterWideGrant() {
    Path overlay = TestingKubeApiServer.projectDir().resolve("deploy-namespaced");
    return Stream.of(
        DynamicTest.dynamicTest("kustomize deploy-namespaced", () -> {
          var result = api.kubectl("apply", "--dry-run=server", "-k", overlay.toString());
          assertThat(result.exitCode()).as(result.toString()).isZero();
        }),
        DynamicTest.dynamicTest("no ClusterRole, watches its own namespace", () -> {
          var rendered = api.kubectl("kustomize", overlay.toString()).assertSuccess().stdout();
          assertThat(rendered).doesNotContain("kind: ClusterRole").contains("kind: Role")
              .contains("name: CRAWLER_WATCH_NAMESPACES");
        }));
  }
}
