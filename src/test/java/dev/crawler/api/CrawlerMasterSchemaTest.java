package dev.crawler.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crawler.testing.TestingKubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The generated CRD's schema, enforced by a real kube-apiserver at admission. */
@Tag("apiserver")
class CrawlerMasterSchemaTest {
  private static final String NS = "schema-test";
  private static TestingKubeApiServer api;
  private static KubernetesClient client;

  @BeforeAll
  static void startApiServer() {
    api = TestingKubeApiServer.shared();
    client = api.client();
    api.ensureNamespace(NS);
    // The samples name their namespace.
    api.ensureNamespace("crawler-system");
  }

  @Test
  void generatedCrdInstallsAndIsEstablished() {
    CustomResourceDefinition crd =
        client.apiextensions().v1().customResourceDefinitions().withName(TestingKubeApiServer.CRD_NAME).get();
    assertThat(TestingKubeApiServer.isEstablished(crd)).isTrue();
    assertThat(crd.getSpec().getVersions()).singleElement()
        .satisfies(v -> assertThat(v.getName()).isEqualTo(CrawlerMaster.VERSION));
    System.out.printf("kube-apiserver startup took %d ms%n", api.startupTime().toMillis());
  }

  @TestFactory
  Stream<DynamicTest> everySampleInDeploySamplesIsAccepted() throws IOException {
    Path samples = TestingKubeApiServer.projectDir().resolve("deploy/samples");
    List<Path> files;
    try (Stream<Path> list = Files.list(samples)) {
      files = list.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
    }
    assertThat(files).as("samples in %s", samples).isNotEmpty();
    return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
      api.kubectl("apply", "--dry-run=server", "-f", file.toString()).assertSuccess();
    }));
  }

  static Stream<Arguments> badSpecs() {
    return Stream.of(
        Arguments.of("replicas 0", "replicas: 0\netcd: {endpoints: [\"http://etcd:2379\"]}", "spec.replicas"),
        Arguments.of("replicas -1", "replicas: -1\netcd: {endpoints: [\"http://etcd:2379\"]}", "spec.replicas"),
        Arguments.of("replicas 100", "replicas: 100\netcd: {endpoints: [\"http://etcd:2379\"]}", "spec.replicas"),
        Arguments.of("replicas a string", "replicas: \"three\"\netcd: {endpoints: [\"http://etcd:2379\"]}",
            "spec.replicas"),
        Arguments.of("lease TTL 1", "election: {leaseTTLSeconds: 1}\netcd: {endpoints: [\"http://etcd:2379\"]}",
            "spec.election.leaseTTLSeconds"),
        Arguments.of("no etcd at all", "replicas: 3", "spec.etcd"),
        Arguments.of("etcd without endpoints", "etcd: {keyPrefix: /crawler/x}", "spec.etcd.endpoints"),
        Arguments.of("empty endpoint list", "etcd: {endpoints: []}", "spec.etcd.endpoints"),
        Arguments.of("endpoint without scheme", "etcd: {endpoints: [\"etcd:2379\"]}", "spec.etcd.endpoints[0]"),
        Arguments.of("endpoint with another scheme", "etcd: {endpoints: [\"http://ok:2379\", \"ftp://x:1\"]}",
            "spec.etcd.endpoints[1]"),
        Arguments.of("key prefix ending in a slash",
            "etcd: {endpoints: [\"http://etcd:2379\"], keyPrefix: /crawler/}", "spec.etcd.keyPrefix"),
        Arguments.of("port 0", "port: 0\netcd: {endpoints: [\"http://etcd:2379\"]}", "spec.port"),
        Arguments.of("101 workers", "workers: {replicas: 101}\netcd: {endpoints: [\"http://etcd:2379\"]}",
            "spec.workers.replicas"),
        Arguments.of("worker lease TTL 1", "workers: {leaseTTLSeconds: 1}\netcd: {endpoints: [\"http://etcd:2379\"]}",
            "spec.workers.leaseTTLSeconds"),
        Arguments.of("no concurrent resources", "workers: {maxConcurrentResources: 0}\netcd: {endpoints: [\"http://etcd:2379\"]}",
            "spec.workers.maxConcurrentResources"),
        Arguments.of("an unknown anti-affinity", "scheduling: {podAntiAffinity: always}\netcd: {endpoints: [\"http://etcd:2379\"]}",
            "spec.scheduling.podAntiAffinity"),
        Arguments.of("an unknown log level", "logLevel: verbose\netcd: {endpoints: [\"http://etcd:2379\"]}",
            "spec.logLevel"),
        Arguments.of("a toleration with a bad type", "scheduling: {tolerations: [{key: a, tolerationSeconds: soon}]}\n"
            + "etcd: {endpoints: [\"http://etcd:2379\"]}", "spec.scheduling.tolerations[0].tolerationSeconds"));
  }

  @ParameterizedTest(name = "{0} is rejected naming {2}")
  @MethodSource("badSpecs")
  void badSpecIsRejectedAtAdmissionNamingTheField(String description, String specYaml, String field) {
    GenericKubernetesResource cm = crawlerMaster("bad-" + description.replaceAll("[^a-z0-9]+", "-"), specYaml);

    assertThatThrownBy(() -> client.resource(cm).inNamespace(NS).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          List<String> causeFields = e.getStatus().getDetails().getCauses().stream()
              .map(StatusCause::getField).collect(Collectors.toList());
          assertThat(causeFields).as("fields named by the API server").contains(field);
          assertThat(e.getStatus().getMessage()).contains(field);
          System.out.printf("%s -> %s%n", description, e.getStatus().getMessage());
        });
  }

  @Test
  void badSpecIsReportedByKubectlWithTheFieldPath() {
    String yaml = """
        apiVersion: crawler.dev/v1alpha1
        kind: CrawlerMaster
        metadata: {name: kubectl-bad}
        spec:
          replicas: "three"
          etcd: {endpoints: ["etcd:2379"]}
        """;
    TestingKubeApiServer.KubectlResult result = api.kubectlWithInput(yaml, "apply", "-n", NS, "-f", "-");

    assertThat(result.exitCode()).as(result.toString()).isNotZero();
    assertThat(result.stderr()).contains("spec.replicas").contains("spec.etcd.endpoints[0]");
  }

  @Test
  void omittedFieldsGetTheirDefaults() {
    GenericKubernetesResource created = client.resource(
        crawlerMaster("defaults", "etcd: {endpoints: [\"http://etcd.crawler-system:2379\"]}"))
        .inNamespace(NS).create();

    Map<String, Object> spec = created.get("spec");
    assertThat(spec).containsEntry("replicas", 3).containsEntry("port", 8080);
    assertThat(created.<Object>get("spec", "election", "leaseTTLSeconds")).isEqualTo(5);
  }

  @Test
  void placementFieldsAreAcceptedAndDefaultToPreferredSpreadingPerNodeWithABudget() {
    GenericKubernetesResource created = client.resource(crawlerMaster("placement", """
        etcd: {endpoints: ["http://etcd:2379"]}
        imagePullSecrets: [{name: registry}]
        podMetadata: {labels: {team: crawl}, annotations: {sidecar.istio.io/inject: "false"}}
        scheduling:
          topologyKey: topology.kubernetes.io/zone
          nodeSelector: {pool: crawl}
          tolerations: [{key: dedicated, operator: Equal, value: crawl, effect: NoSchedule}]
          priorityClassName: crawl-critical
          topologySpreadConstraints:
          - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway,
             labelSelector: {matchLabels: {app: x}}}
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms: [{matchExpressions: [{key: arch, operator: In, values: [amd64]}]}]
        """)).inNamespace(NS).create();

    assertThat(created.<Object>get("spec", "scheduling", "podAntiAffinity")).isEqualTo("preferred");
    assertThat(created.<Object>get("spec", "scheduling", "topologyKey")).isEqualTo("topology.kubernetes.io/zone");
    assertThat(created.<Object>get("spec", "enablePodDisruptionBudget")).isEqualTo(true);
    CrawlerMaster typed = client.resources(CrawlerMaster.class).inNamespace(NS).withName("placement").get();
    assertThat(typed.getSpec().getScheduling().getTolerations()).singleElement()
        .satisfies(t -> assertThat(t.getEffect()).isEqualTo("NoSchedule"));
    assertThat(typed.getSpec().getScheduling().getAffinity().getNodeAffinity()
        .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()).hasSize(1);
    assertThat(typed.getSpec().getImagePullSecrets()).singleElement()
        .satisfies(r -> assertThat(r.getName()).isEqualTo("registry"));
    assertThat(typed.getSpec().getPodMetadata().getAnnotations()).containsEntry("sidecar.istio.io/inject", "false");

    GenericKubernetesResource plain = client.resource(
        crawlerMaster("placement-defaults", "etcd: {endpoints: [\"http://etcd:2379\"]}")).inNamespace(NS).create();
    assertThat(plain.<Object>get("spec", "scheduling", "podAntiAffinity")).isEqualTo("preferred");
    assertThat(plain.<Object>get("spec", "scheduling", "topologyKey")).isEqualTo("kubernetes.io/hostname");
  }

  @Test
  void defaultsMatchTheJavaModel() {
    GenericKubernetesResource created = client.resource(
        crawlerMaster("defaults-model", "etcd: {endpoints: [\"http://etcd:2379\"]}\nelection: {}"))
        .inNamespace(NS).create();

    CrawlerMaster typed = client.resources(CrawlerMaster.class).inNamespace(NS)
        .withName(created.getMetadata().getName()).get();
    assertThat(typed.getSpec().getReplicas()).isEqualTo(CrawlerMasterSpec.DEFAULT_REPLICAS);
    assertThat(typed.getSpec().getPort()).isEqualTo(CrawlerMasterSpec.DEFAULT_PORT);
    assertThat(typed.getSpec().getElection().getLeaseTTLSeconds()).isEqualTo(ElectionSpec.DEFAULT_LEASE_TTL_SECONDS);
  }

  static GenericKubernetesResource crawlerMaster(String name, String specYaml) {
    String yaml = "apiVersion: crawler.dev/v1alpha1\nkind: CrawlerMaster\nmetadata:\n  name: " + name
        + "\nspec:\n" + specYaml.lines().map(l -> "  " + l).collect(Collectors.joining("\n")) + "\n";
    return client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
  }
}
