package dev.crawler.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.crawler.testing.TestingKubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * The admission policy shipped in crds/ keeps a CrawlerMaster's keyPrefix inside its namespace's
 * subtree, on a real kube-apiserver. A server of its own: the policy applies cluster-wide.
 */
@Tag("apiserver")
class KeyPrefixAdmissionPolicyTest {
  private static TestingKubeApiServer api;
  private static KubernetesClient client;

  @BeforeAll
  static void installCrdAndPolicyWithKustomize() {
    api = TestingKubeApiServer.startNew();
    client = api.client();
    api.kubectl("apply", "-k", TestingKubeApiServer.projectDir().resolve("crds").toString()).assertSuccess();
    api.awaitKubectl(Duration.ofSeconds(60), "get", "crawlermasters", "-A");
    api.ensureNamespace("team-a");
    api.ensureNamespace("team-b");
    // A new policy takes effect once the API server has loaded it: wait until it denies.
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      try {
        client.resource(cm("probe", "/crawler/team-b/x")).inNamespace("team-a").dryRun().create();
        return false;
      } catch (KubernetesClientException e) {
        return e.getCode() == 422;
      }
    });
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void prefixInAnotherNamespacesSubtreeIsRejectedNamingTheField() {
    assertThatThrownBy(() -> client.resource(cm("squatter", "/crawler/team-b/prod")).inNamespace("team-a").create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage())
              .contains("spec.etcd.keyPrefix")
              .contains("/crawler/team-b/prod lies outside /crawler/team-a/");
          System.out.println("rejected: " + e.getStatus().getMessage());
        });
    for (String outside : new String[] {"/crawler/team-a", "/crawler/team-a/", "/other/team-a/x", "/crawler"}) {
      assertThatThrownBy(() -> client.resource(cm("outside", outside)).inNamespace("team-a").dryRun().create())
          .as(outside)
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
    }
  }

  @Test
  void ownNamespacesPrefixAndTheDefaultAreAccepted() {
    assertThat(client.resource(cm("own", "/crawler/team-a/prod")).inNamespace("team-a").create()).isNotNull();
    assertThat(client.resource(cm("default", null)).inNamespace("team-a").create()).isNotNull();
  }

  @Test
  void updatingTheKeyPrefixIntoAnotherNamespaceIsRejected() {
    client.resource(cm("mover", "/crawler/team-b/mine")).inNamespace("team-b").create();
    GenericKubernetesResource moved = cm("mover", "/crawler/team-a/theirs");
    assertThatThrownBy(() -> client.resource(moved).inNamespace("team-b").update())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
  }

  private static GenericKubernetesResource cm(String name, String keyPrefix) {
    String spec = "etcd: {endpoints: [\"http://etcd:2379\"]" + (keyPrefix == null ? "" : ", keyPrefix: \"" + keyPrefix + "\"") + "}";
    String yaml = "apiVersion: crawler.dev/v1alpha1\nkind: CrawlerMaster\nmetadata:\n  name: " + name
        + "\nspec:\n" + spec.lines().map(l -> "  " + l).collect(Collectors.joining("\n")) + "\n";
    return client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
  }
}
