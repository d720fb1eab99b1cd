package dev.crawler;

import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.testing.TestingCrawlerMasters;
import dev.crawler.testing.TestingKubeApiServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every kubectl query and wait of hack/e2e.sh, run by the sourced script itself against a
 * real kube-apiserver, on objects whose status the test sets: each wait succeeds once its
 * condition holds and times out while it does not. The script's namespace is swapped for a fresh
 * one after sourcing (its functions read it at call time); kubectl is the one on PATH, as in CI.
 */
@Tag("apiserver")
class E2eScriptQueriesTest {
  private static final Path SCRIPT = TestingKubeApiServer.projectDir().resolve("hack/e2e.sh");
  private static final String CM = "demo";

  private static TestingKubeApiServer api;
  private static KubernetesClient client;
  private static String ns;

  record Run(int exit, String out) {}

  @BeforeAll
  static void setUp() {
    api = TestingKubeApiServer.shared();
    client = api.client();
    ns = "e2e-queries-" + ThreadLocalRandom.current().nextInt(1_000_000);
    api.ensureNamespace(ns);
  }

  /** Sources the script, points it at the test server and namespace, then runs {@code snippet}. */
  private static Run script(String snippet) throws IOException, InterruptedException {
    String prelude = String.join("\n",
        "source " + SCRIPT,
        "KUBE_CONTEXT=\"$(kubectl config current-context)\"",
        "NAMESPACE=" + ns,
        "WAIT_TIMEOUT=2s",
        "");
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", prelude + snippet).redirectErrorStream(true);
    pb.environment().put("KUBECONFIG", api.kubeconfigFile().toString());
    pb.environment().remove("KUBE_CONTEXT");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("script did not finish: " + snippet);
    }
    return new Run(p.exitValue(), out);
  }

  private static void succeeds(String snippet) throws Exception {
    Run r = script(snippet);
    assertThat(r.exit()).as("%s%n%s", snippet, r.out()).isZero();
  }

  private static void timesOut(String snippet) throws Exception {
    Run r = script(snippet);
    assertThat(r.exit()).as("%s%n%s", snippet, r.out()).isNotZero();
    assertThat(r.out()).as(snippet).contains("timed out");
  }

  private static String output(String snippet) throws Exception {
    Run r = script(snippet);
    assertThat(r.exit()).as("%s%n%s", snippet, r.out()).isZero();
    return r.out();
  }

  private static CrawlerMaster editStatus(UnaryOperator<CrawlerMaster> edit) {
    return client.resources(CrawlerMaster.class).inNamespace(ns).withName(CM).editStatus(edit);
  }

  @Test
  void chartObjectsNameWhatTheChartRendersButTheCrdForHelmToAdopt() throws Exception {
    String objects = output("chart_objects");
    assertThat(objects.lines()).contains("serviceaccount/crawler-operator", "deployment.apps/crawler-operator",
        "clusterrole.rbac.authorization.k8s.io/crawler-operator", "clusterrole.rbac.authorization.k8s.io/crawlermaster-edit",
        "poddisruptionbudget.policy/crawler-operator")
        .noneMatch(l -> l.startsWith("customresourcedefinition"));
  }

  @Test
  void crdEstablishedWaitSucceedsForTheCrawlerMasterCrdAndTimesOutForOneWhoseNamesConflict() throws Exception {
    succeeds("kc wait --for \"${WAIT_FOR_CRD_ESTABLISHED}\" \"crd/${CRD_NAME}\" --timeout \"${WAIT_TIMEOUT}\"");

    // Two CRDs of one group with the same kind: the later one's names are not accepted, so it
    // is never Established.
    String group = "q" + ThreadLocalRandom.current().nextInt(1_000_000) + ".example.dev";
    client.apiextensions().v1().customResourceDefinitions().resource(crd(group, "widgets", "Widget")).create();
    client.apiextensions().v1().customResourceDefinitions().resource(crd(group, "gadgets", "Widget")).create();
    String first = "widgets." + group;
    String second = "gadgets." + group;
    succeeds("kc wait --for \"${WAIT_FOR_CRD_ESTABLISHED}\" crd/" + first + " --timeout 20s");
    timesOut("kc wait --for \"${WAIT_FOR_CRD_ESTABLISHED}\" crd/" + second + " --timeout \"${WAIT_TIMEOUT}\"");
  }

  private static CustomResourceDefinition crd(String group, String plural, String kind) {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName(plural + "." + group).endMetadata()
        .withNewSpec()
        .withGroup(group)
        .withScope("Namespaced")
        .withNewNames().withPlural(plural).withSingular(plural.substring(0, plural.length() - 1))
        .withKind(kind).endNames()
        .addNewVersion().withName("v1").withServed(true).withStorage(true)
        .withNewSchema().withNewOpenAPIV3Schema().withType("object")
        .withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema()
        .endVersion()
        .endSpec()
        .build();
  }

  @Test
  void crawlerMasterQueriesAndWaitsFollowTheStatus() throws Exception {
    CrawlerMaster cm = crawlerMaster(ns, CM, TestingCrawlerMasters.ETCD);
    cm.getSpec().setReplicas(3);
    client.resource(cm).create();

    assertThat(output("cm_get \"${JP_CM_SPEC_REPLICAS}\"")).isEqualTo("3");
    assertThat(output("cm_leader")).isEmpty();
    assertThat(output("cm_term")).isEmpty();
    timesOut("kcn wait --for \"${WAIT_FOR_HAS_LEADER}\" \"crawlermaster/${CM_NAME}\" --timeout \"${WAIT_TIMEOUT}\"");
    timesOut("wait_for_leader");
    timesOut("wait_for_all_replicas_ready");
    assertThat(script("leader_other_than demo-0").exit()).isNotZero();

    // A leader in status, but the LeaderElected condition not True yet.
    editStatus(c -> {
      c.setStatus(new CrawlerMasterStatus());
      c.getStatus().setLeader("demo-0");
      c.getStatus().setTerm(17L);
      c.getStatus().setReadyReplicas(1);
      c.getStatus().setConditions(List.of(leaderElected("False")));
      return c;
    });
    assertThat(output("cm_leader")).isEqualTo("demo-0");
    assertThat(output("cm_term")).isEqualTo("17");
    succeeds("kcn wait --for \"${WAIT_FOR_HAS_LEADER}\" \"crawlermaster/${CM_NAME}\" --timeout \"${WAIT_TIMEOUT}\"");
    timesOut("wait_for_leader");
    timesOut("wait_for_all_replicas_ready");
    assertThat(script("leader_other_than demo-0").exit()).isNotZero();
    assertThat(script("leader_other_than demo-1").exit()).isZero();

    editStatus(c -> {
      c.getStatus().setReadyReplicas(3);
      c.getStatus().setConditions(List.of(leaderElected("True")));
      return c;
    });
    succeeds("wait_for_leader");
    succeeds("wait_for_all_replicas_ready");
  }

  private static Condition leaderElected(String status) {
    return new ConditionBuilder()
        .withType("LeaderElected").withStatus(status).withReason("Test").withMessage("set by the test")
        .withLastTransitionTime("2026-01-01T00:00:00Z")
        .build();
  }

  @Test
  void podIpQueryReadsTheStatus() throws Exception {
    Pod pod = client.pods().inNamespace(ns).resource(new PodBuilder()
        .withNewMetadata().withName("demo-0").endMetadata()
        .withNewSpec().addNewContainer().withName("master").withImage("crawler-master:test").endContainer().endSpec()
        .build()).create();
    assertThat(output("pod_ip demo-0")).isEmpty();

    client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).editStatus(p -> {
      p.getStatus().setPodIP("10.1.2.3");
      return p;
    });
    assertThat(output("pod_ip demo-0")).isEqualTo("10.1.2.3");
  }

  @Test
  void endpointQueriesListReadyAndUnknownAddressesOfTheClientServiceOnly() throws Exception {
    assertThat(output("ready_endpoint_ips")).isEmpty();
    // A slice without endpoints, as a Service without ready pods has: must not break the query.
    client.resource(slice("demo-empty", "demo", null)).create();
    assertThat(output("ready_endpoint_ips")).isEmpty();

    client.resource(slice("demo-a", "demo", List.of(
        endpoint("10.0.0.2", true), endpoint("10.0.0.3", false), endpoint("10.0.0.1", null)))).create();
    client.resource(slice("other-a", "other", List.of(endpoint("10.9.9.9", true)))).create();

    assertThat(output("ready_endpoint_ips")).isEqualTo("10.0.0.1\n10.0.0.2\n");
    assertThat(script("endpoints_exactly 10.0.0.2").exit()).isNotZero();

    client.resources(EndpointSlice.class).inNamespace(ns).withName("demo-a").edit(s -> {
      s.setEndpoints(List.of(endpoint("10.0.0.2", true), endpoint("10.0.0.1", false)));
      return s;
    });
    assertThat(script("endpoints_exactly 10.0.0.2").exit()).isZero();
  }

  private EndpointSlice slice(String name, String service, List<Endpoint> endpoints) {
    return new EndpointSliceBuilder()
        .withNewMetadata().withName(name).withNamespace(ns)
        .addToLabels("kubernetes.io/service-name", service).endMetadata()
        .withAddressType("IPv4")
        .withEndpoints(endpoints)
        .build();
  }

  private static Endpoint endpoint(String ip, Boolean ready) {
    return new EndpointBuilder()
        .withAddresses(ip)
        .withNewConditions().withReady(ready).endConditions()
        .build();
  }
}
