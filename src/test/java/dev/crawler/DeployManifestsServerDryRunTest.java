package dev.crawler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.testing.TestingKubeApiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
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

  @BeforeAll
  static void startApiServer() {
    api = TestingKubeApiServer.shared();
    // Namespaced manifests are validated against their namespace, which must exist.
    api.ensureNamespace(NAMESPACE);
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
          .sorted().toList();
    }
    assertThat(manifests).as("YAML files under %s", deploy).isNotEmpty();

    List<DynamicTest> tests = new ArrayList<>();
    for (Path file : manifests) {
      tests.add(DynamicTest.dynamicTest(deploy.relativize(file).toString(), () -> {
        var result = api.kubectl("apply", "--dry-run=server", "-f", file.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
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
