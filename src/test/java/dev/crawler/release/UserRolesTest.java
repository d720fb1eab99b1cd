package dev.crawler.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.testing.TestingKubeApiServer;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * deploy/user-roles.yaml on a real API server: crawlermaster-view reads CrawlerMasters and changes
 * nothing, crawlermaster-edit also creates, patches (a switchover is an annotation patch) and deletes
 * them, each only where it is bound; both aggregate into Kubernetes' own roles.
 */
@Tag("apiserver")
class UserRolesTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static TestingKubeApiServer api;
  private static String ns;
  private static String other;

  @BeforeAll
  static void install() {
    api = TestingKubeApiServer.shared();
    api.installCrd();
    api.kubectl("apply", "-f", TestingKubeApiServer.projectDir().resolve("deploy/user-roles.yaml").toString())
        .assertSuccess();
    int n = ThreadLocalRandom.current().nextInt(1_000_000);
    ns = "user-roles-" + n;
    other = "user-roles-other-" + n;
    api.ensureNamespace(ns);
    api.ensureNamespace(other);
    api.kubectl("create", "rolebinding", "viewer", "-n", ns, "--clusterrole=crawlermaster-view", "--user=viewer")
        .assertSuccess();
    api.kubectl("create", "rolebinding", "editor", "-n", ns, "--clusterrole=crawlermaster-edit", "--user=editor")
        .assertSuccess();
    // The authorizer follows new bindings asynchronously: wait for a grant before asserting refusals.
    await().atMost(TIMEOUT).until(() -> can("viewer", "list", ns) && can("editor", "patch", ns));
  }

  private static boolean can(String user, String verb, String namespace) {
    var result = api.kubectl("auth", "can-i", verb, "crawlermasters.crawler.dev", "-n", namespace, "--as", user);
    return result.stdout().trim().equals("yes");
  }

  @Test
  void viewReadsCrawlerMastersAndChangesNothing() {
    assertThat(can("viewer", "get", ns)).isTrue();
    assertThat(can("viewer", "list", ns)).isTrue();
    assertThat(can("viewer", "watch", ns)).isTrue();
    assertThat(can("viewer", "patch", ns)).isFalse();
    assertThat(can("viewer", "create", ns)).isFalse();
    assertThat(can("viewer", "delete", ns)).isFalse();
  }

  @Test
  void editCreatesPatchesAndDeletesButCannotWriteTheStatus() {
    assertThat(can("editor", "create", ns)).isTrue();
    assertThat(can("editor", "patch", ns)).isTrue();
    assertThat(can("editor", "delete", ns)).isTrue();
    var status = api.kubectl("auth", "can-i", "patch", "crawlermasters.crawler.dev", "--subresource=status",
        "-n", ns, "--as", "editor");
    assertThat(status.stdout().trim()).isEqualTo("no");
  }

  @Test
  void neitherRoleReachesANamespaceItIsNotBoundIn() {
    assertThat(can("viewer", "list", other)).isFalse();
    assertThat(can("editor", "patch", other)).isFalse();
  }

  @Test
  void bothAggregateIntoKubernetesOwnRoles() {
    ClusterRole view = api.client().rbac().clusterRoles().withName("crawlermaster-view").get();
    ClusterRole edit = api.client().rbac().clusterRoles().withName("crawlermaster-edit").get();
    assertThat(view.getMetadata().getLabels()).containsEntry("rbac.authorization.k8s.io/aggregate-to-view", "true");
    assertThat(edit.getMetadata().getLabels()).containsEntry("rbac.authorization.k8s.io/aggregate-to-edit", "true")
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-admin", "true");
  }
}
