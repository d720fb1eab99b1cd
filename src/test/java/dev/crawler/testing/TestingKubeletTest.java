package dev.crawler.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The kubelet stand-in against a real kube-apiserver, running a tiny HTTP process instead of the master. */
@Tag("apiserver")
@Tag("process")
class TestingKubeletTest {
  private static final String NS = "kubelet-test";
  private static TestingKubeApiServer api;
  private static KubernetesClient client;
  private static TestingKubelet kubelet;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws IOException {
    api = TestingKubeApiServer.shared();
    client = api.client();
    api.ensureNamespace(NS);
    Path logs = Files.createTempDirectory("testing-kubelet-logs");
    kubelet = TestingKubelet.start(client, logs,
        (pod, container) -> TestingKubelet.javaCommand(TestingReadyzServer.class.getName()),
        Duration.ofMillis(500));
  }

  @AfterAll
  static void stop() {
    kubelet.close();
  }

  @Test
  void createsOnePodPerReplicaOwnedByTheStatefulSetWithResolvedEnvOnItsOwnIp() throws Exception {
    StatefulSet sts = client.resource(statefulSet("envs", 2, "200")).create();

    List<Pod> pods = awaitReadyPods("envs", 2);

    assertThat(pods).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("envs-0", "envs-1");
    assertThat(pods).extracting(p -> p.getStatus().getPodIP()).doesNotHaveDuplicates()
        .allMatch(ip -> ip.startsWith("127.") && !ip.equals("127.0.0.1"));
    for (Pod pod : pods) {
      assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(o -> assertThat(o.getUid()).isEqualTo(sts.getMetadata().getUid()));
      assertThat(pod.getMetadata().getLabels()).containsEntry("app", "envs").containsEntry(
          TestingKubelet.POD_NAME_LABEL, pod.getMetadata().getName());
      assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
      assertThat(pod.getStatus().getContainerStatuses()).singleElement()
          .satisfies(cs -> assertThat(cs.getReady()).isTrue());
      String ip = pod.getStatus().getPodIP();
      String env = get("http://" + ip + ":18080/env").body();
      assertThat(env)
          .contains("POD_NAME=" + pod.getMetadata().getName() + "\n")
          .contains("POD_NAMESPACE=" + NS + "\n")
          .contains("POD_IP=" + ip + "\n")
          .contains("ETCD_ENDPOINTS=http://127.0.0.1:2379\n")
          .contains("CRAWLER_ADVERTISE_ADDRESS=" + ip + ":18080\n");
    }
    await().ignoreExceptions().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(client.apps().statefulSets().inNamespace(NS).withName("envs").get().getStatus().getReadyReplicas())
            .isEqualTo(2));
  }

  @Test
  void podStaysNotReadyWhileReadyzFails() {
    client.resource(statefulSet("unready", 1, "503")).create();

    await().ignoreExceptions().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Pod pod = client.pods().inNamespace(NS).withName("unready-0").get();
      assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
      assertThat(pod.getStatus().getContainerStatuses()).singleElement()
          .satisfies(cs -> assertThat(cs.getState().getRunning()).isNotNull());
      assertThat(condition(pod, "Ready")).isEqualTo("False");
      assertThat(get("http://" + pod.getStatus().getPodIP() + ":18080/readyz").statusCode()).isEqualTo(503);
    });
  }

  @Test
  void sigkilledProcessIsRestartedAndCountedAndLabelsOfOthersSurvive() throws Exception {
    client.resource(statefulSet("restart", 1, "200")).create();
    awaitReadyPods("restart", 1);
    client.pods().inNamespace(NS).withName("restart-0").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"labels\":{\"crawler.dev/role\":\"leader\"}}}");
    long pid = kubelet.pid(NS, "restart-0").orElseThrow();

    new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();

    await().ignoreExceptions().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Pod pod = client.pods().inNamespace(NS).withName("restart-0").get();
      assertThat(pod.getStatus().getContainerStatuses().get(0).getRestartCount()).isEqualTo(1);
      assertThat(condition(pod, "Ready")).isEqualTo("True");
      assertThat(kubelet.pid(NS, "restart-0")).isPresent().get().isNotEqualTo(pid);
    });
    assertThat(client.pods().inNamespace(NS).withName("restart-0").get().getMetadata().getLabels())
        .containsEntry("crawler.dev/role", "leader");
  }

  @Test
  void scalingCreatesAndDeletesTheHighestOrdinalsAndDeletingTheSetRemovesEverything() throws Exception {
    client.resource(statefulSet("scale", 1, "200")).create();
    awaitReadyPods("scale", 1);

    client.apps().statefulSets().inNamespace(NS).withName("scale").scale(3);
    awaitReadyPods("scale", 3);
    long pid2 = kubelet.pid(NS, "scale-2").orElseThrow();

    client.apps().statefulSets().inNamespace(NS).withName("scale").scale(2);
    await().ignoreExceptions().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(podsOf("scale")).extracting(p -> p.getMetadata().getName())
          .containsExactlyInAnyOrder("scale-0", "scale-1");
      assertThat(ProcessHandle.of(pid2).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    });

    long pid0 = kubelet.pid(NS, "scale-0").orElseThrow();
    client.apps().statefulSets().inNamespace(NS).withName("scale").delete();
    await().ignoreExceptions().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(podsOf("scale")).isEmpty();
      assertThat(ProcessHandle.of(pid0).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    });
  }

  @Test
  void changedTemplateReplacesPodsOneByOne() {
    client.resource(statefulSet("rollout", 2, "200")).create();
    List<Pod> before = awaitReadyPods("rollout", 2);

    client.apps().statefulSets().inNamespace(NS).withName("rollout").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"version\":\"2\"}}}}}");

    await().ignoreExceptions().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
      List<Pod> pods = awaitReadyPods("rollout", 2);
      assertThat(pods).allSatisfy(p -> assertThat(p.getMetadata().getLabels()).containsEntry("version", "2"));
      assertThat(pods).extracting(p -> p.getMetadata().getUid())
          .doesNotContainAnyElementsOf(before.stream().map(p -> p.getMetadata().getUid()).toList());
    });
  }

  private static List<Pod> awaitReadyPods(String set, int count) {
    return await().ignoreExceptions().atMost(Duration.ofSeconds(60)).until(() -> podsOf(set), pods -> pods.size() == count
        && pods.stream().allMatch(p -> "True".equals(condition(p, "Ready"))));
  }

  private static List<Pod> podsOf(String set) {
    return client.pods().inNamespace(NS).withLabel("app", set).list().getItems();
  }

  private static String condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType()))
        .map(c -> c.getStatus()).filter(Objects::nonNull).findFirst().orElse(null);
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Like the operator's: downward-API env, an advertise address by headless-service DNS, /readyz probe. */
  private static StatefulSet statefulSet(String name, int replicas, String readyz) {
    return new StatefulSetBuilder()
        .withNewMetadata().withName(name).withNamespace(NS)
          .withLabels(Map.of(TestingKubelet.MANAGED_BY_LABEL, TestingKubelet.MANAGED_BY, "app", name)).endMetadata()
        .withNewSpec()
          .withReplicas(replicas)
          .withServiceName(name + "-headless")
          .withNewSelector().addToMatchLabels("app", name).endSelector()
          .withNewTemplate()
            .withNewMetadata().addToLabels("app", name).endMetadata()
            .withNewSpec()
              .addNewContainer().withName("master").withImage("crawler-master:test").withArgs("master")
                .addNewPort().withName("http").withContainerPort(18080).endPort()
                .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef()
                  .withFieldPath("metadata.name").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("POD_NAMESPACE").withNewValueFrom().withNewFieldRef()
                  .withFieldPath("metadata.namespace").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("POD_IP").withNewValueFrom().withNewFieldRef()
                  .withFieldPath("status.podIP").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("ETCD_ENDPOINTS").withValue("http://127.0.0.1:2379").endEnv()
                .addNewEnv().withName("CRAWLER_PORT").withValue("18080").endEnv()
                .addNewEnv().withName("CRAWLER_ADVERTISE_ADDRESS")
                  .withValue("$(POD_NAME)." + name + "-headless.$(POD_NAMESPACE).svc:18080").endEnv()
                .addNewEnv().withName("TESTING_READYZ").withValue(readyz).endEnv()
                .withNewReadinessProbe().withNewHttpGet().withPath("/readyz").withNewPort("http").endHttpGet()
                  .withPeriodSeconds(1).endReadinessProbe()
              .endContainer()
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }
}
