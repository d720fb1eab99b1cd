package dev.crawler.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.testing.TestingHelm;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingPromtool;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * What a user installs from: {@code make release}'s manifests and the Helm chart are accepted by a
 * real kube-apiserver ({@code --dry-run=server}), name the versioned image, and the chart renders
 * the same objects as {@code deploy/} and {@code deploy-namespaced/}.
 */
@Tag("apiserver")
class ReleaseManifestsServerDryRunTest {
  private static final String NAMESPACE = "crawler-system";
  private static final String CHART = "charts/crawler-operator";
  private static final String POD_SECURITY_WARNING = "would violate PodSecurity";
  private static final KubernetesSerialization YAML = new KubernetesSerialization();
  private static TestingKubeApiServer api;
  private static String image;

  @BeforeAll
  static void startApiServer() throws IOException {
    api = TestingKubeApiServer.shared();
    api.kubectl("apply", "-f", TestingKubeApiServer.projectDir().resolve("deploy/namespace.yaml").toString())
        .assertSuccess();
    image = "crawler-master:" + ReleaseVersionsTest.projectVersion();
    TestingPromtool.installMonitoringCrds(api);
  }

  /** helm template with the API server's version (not Helm's built-in default). */
  private static String helmTemplate(String... setValues) {
    String version = api.client().getKubernetesVersion().getGitVersion().replaceFirst("-.*", "");
    List<String> args = new java.util.ArrayList<>(List.of("template", "crawler-operator", CHART,
        "--namespace", NAMESPACE, "--include-crds", "--kube-version", version));
    for (String set : setValues) {
      args.add("--set");
      args.add(set);
    }
    return TestingHelm.helm(args.toArray(String[]::new)).assertSuccess().stdout();
  }

  private static List<HasMetadata> objects(String yaml) {
    Object parsed = YAML.unmarshal(yaml);
    return parsed instanceof List<?> list ? list.stream().map(HasMetadata.class::cast).toList()
        : List.of((HasMetadata) parsed);
  }

  private static Deployment operator(List<HasMetadata> objects) {
    return objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();
  }

  private static void assertVersionedImage(String yaml) {
    var container = operator(objects(yaml)).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo(image);
    assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("CRAWLER_MASTER_IMAGE"))
        .extracting(EnvVar::getValue).containsExactly(image);
    assertThat(yaml).doesNotContain(":latest");
  }

  @TestFactory
  Stream<DynamicTest> releaseManifestsAreAcceptedAndNameTheVersionedImage() {
    TestingHelm.run("make", "-s", "release", "DIST=target/release-test").assertSuccess();
    return Stream.of("install.yaml", "install-namespaced.yaml").map(name -> DynamicTest.dynamicTest(name, () -> {
      Path file = TestingKubeApiServer.projectDir().resolve("target/release-test").resolve(name);
      var result = api.kubectl("apply", "--dry-run=server", "-f", file.toString());
      assertThat(result.exitCode()).as(result.toString()).isZero();
      assertThat(result.stderr()).as(result.toString()).doesNotContain(POD_SECURITY_WARNING);
      String yaml = Files.readString(file);
      assertVersionedImage(yaml);
      assertThat(yaml).contains("kind: CustomResourceDefinition", "kind: ValidatingAdmissionPolicy",
          "kind: Namespace", "kind: ServiceAccount", "kind: Deployment");
    }));
  }

  @Test
  void makeDeployOverlayPutsImgIntoOperatorAndMasters() {
    TestingHelm.run("hack/image-overlay.sh", "deploy", "registry.example:5000/team/crawler-master:1.2.3",
        "target/overlay-test").assertSuccess();
    String yaml = api.kubectl("kustomize", TestingKubeApiServer.projectDir().resolve("target/overlay-test").toString())
        .assertSuccess().stdout();
    var container = operator(objects(yaml)).getSpec().getTemplate().getSpec().getContainers().get(0);

    assertThat(container.getImage()).isEqualTo("registry.example:5000/team/crawler-master:1.2.3");
    assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("CRAWLER_MASTER_IMAGE"))
        .extracting(EnvVar::getValue).containsExactly("registry.example:5000/team/crawler-master:1.2.3");
  }

  @Test
  void helmLintPasses() {
    var lint = TestingHelm.helm("lint", "--strict", CHART).assertSuccess();
    assertThat(lint.stdout()).contains("0 chart(s) failed");
  }

  @Test
  void chartRefusesKubernetesOlderThanTheAdmissionPolicyNeeds() {
    var result = TestingHelm.helm("template", "x", CHART, "--kube-version", "1.29.9");
    assertThat(result.exitCode()).as(result.toString()).isNotZero();
    assertThat(result.stderr()).contains("kubeVersion");
  }

  @TestFactory
  Stream<DynamicTest> renderedChartIsAcceptedByTheApiServer() {
    return Stream.of(
        new String[] {},
        new String[] {"rbac.scope=namespace"},
        new String[] {"rbac.scope=namespace", "watchNamespaces={crawler-system}", "logLevel=debug"},
        new String[] {"watchNamespaces={crawler-system}", "image.tag=9.9.9", "replicas=1", "leaderElection=false"},
        new String[] {"monitoring.podMonitors.enabled=true", "monitoring.prometheusRule.enabled=true",
            "monitoring.grafanaDashboard.enabled=true"})
        .map(set -> DynamicTest.dynamicTest("values " + String.join(" ", set), () -> {
          String yaml = helmTemplate(set);
          var result = api.kubectlWithInput(yaml, "apply", "--dry-run=server", "-f", "-");
          assertThat(result.exitCode()).as(result.toString()).isZero();
          assertThat(result.stderr()).as(result.toString()).doesNotContain(POD_SECURITY_WARNING);
        }));
  }

  @Test
  void chartValuesReachTheOperator() {
    var container = operator(objects(helmTemplate("rbac.scope=namespace", "watchNamespaces={a,b}", "logLevel=debug")))
        .getSpec().getTemplate().getSpec().getContainers().get(0);

    assertThat(container.getEnv()).filteredOn(e -> e.getName().startsWith("CRAWLER_"))
        .extracting(EnvVar::getName, EnvVar::getValue)
        .contains(org.assertj.core.groups.Tuple.tuple("CRAWLER_WATCH_NAMESPACES", "a,b"),
            org.assertj.core.groups.Tuple.tuple("CRAWLER_LOG_LEVEL", "debug"));
    assertVersionedImage(helmTemplate());
  }

  /**
   * Each object keyed by kind/namespace/name, with what Helm adds left out: the labels on the object
   * and on the pod template (app.kubernetes.io/instance, managed-by, version, helm.sh/chart). The
   * Namespace is not the chart's (Helm installs into the release namespace): it is left out too.
   * Everything else is compared whole: RBAC rules and bindings, the CRD and admission policy, and the
   * Deployment's replicas, strategy, selector, image, args, env, probes, resources, securityContext.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> comparable(String yaml) {
    Map<String, Map<String, Object>> byKey = new TreeMap<>();
    for (HasMetadata o : objects(yaml)) {
      if (o.getKind().equals("Namespace")) {
        continue;
      }
      Map<String, Object> map = YAML.convertValue(o, LinkedHashMap.class);
      ((Map<String, Object>) map.get("metadata")).remove("labels");
      if (map.get("spec") instanceof Map<?, ?> spec && spec.get("template") instanceof Map<?, ?> template
          && template.get("metadata") instanceof Map<?, ?> podMetadata) {
        ((Map<String, Object>) podMetadata).remove("labels");
      }
      String namespace = o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace();
      byKey.put(o.getKind() + "/" + namespace + "/" + o.getMetadata().getName(), map);
    }
    return byKey;
  }

  @TestFactory
  Stream<DynamicTest> chartRendersWhatKustomizeDoes() {
    Path root = TestingKubeApiServer.projectDir();
    return Stream.of(
        Map.entry("deploy", new String[] {}),
        Map.entry("deploy-namespaced", new String[] {"rbac.scope=namespace"}))
        .flatMap(variant -> {
          Map<String, Map<String, Object>> kustomize = comparable(
              api.kubectl("kustomize", root.resolve(variant.getKey()).toString()).assertSuccess().stdout());
          Map<String, Map<String, Object>> chart = comparable(helmTemplate(variant.getValue()));
          String label = variant.getKey() + " vs chart " + String.join(" ", variant.getValue());
          Stream<DynamicTest> sameObjects = Stream.of(DynamicTest.dynamicTest(label + ": the same objects",
              () -> assertThat(chart.keySet()).as("objects of the chart (charts/crawler-operator/templates) vs %s/",
                  variant.getKey()).containsExactlyElementsOf(kustomize.keySet())));
          return Stream.concat(sameObjects, kustomize.keySet().stream().filter(chart::containsKey)
              .map(key -> DynamicTest.dynamicTest(label + ": " + key,
                  () -> assertThat(chart.get(key))
                      .as("%s: change charts/crawler-operator/templates (or run make chart-crds) to match %s/", key, variant.getKey())
                      .isEqualTo(kustomize.get(key)))));
        });
  }

  @Test
  void chartRendersTheMonitoringOfDeployMonitoringWhenAskedAndNoneByDefault() {
    Map<String, Map<String, Object>> kustomize = comparable(api.kubectl("kustomize",
        TestingKubeApiServer.projectDir().resolve("deploy/monitoring").toString()).assertSuccess().stdout());
    Map<String, Map<String, Object>> chart = new TreeMap<>(comparable(
        helmTemplate("monitoring.podMonitors.enabled=true", "monitoring.prometheusRule.enabled=true",
            "monitoring.grafanaDashboard.enabled=true")));
    java.util.function.Predicate<String> monitoring = k -> k.startsWith("PodMonitor/") || k.startsWith("PrometheusRule/")
        || k.startsWith("ConfigMap/");
    chart.keySet().removeIf(monitoring.negate());

    assertThat(kustomize).hasSize(4);
    assertThat(chart).isEqualTo(kustomize);
    assertThat(comparable(helmTemplate()).keySet()).noneMatch(monitoring);
  }

  @Test
  void comparisonSeesWhatMatters() {
    // The drift check is only worth something if a changed value shows up in what it compares.
    Map<String, Map<String, Object>> changed = comparable(helmTemplate("resources.limits.memory=1Gi"));
    Map<String, Map<String, Object>> kustomize = comparable(
        api.kubectl("kustomize", TestingKubeApiServer.projectDir().resolve("deploy").toString()).assertSuccess().stdout());
    String key = kustomize.keySet().stream().filter(k -> k.startsWith("Deployment/")).collect(Collectors.joining());
    assertThat(changed.get(key)).isNotEqualTo(kustomize.get(key));
  }
}
