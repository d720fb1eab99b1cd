package dev.crawler.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.testing.TestingJvmFlags;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The plain YAML in deploy/ agrees with the code that runs it. */
class DeployManifestsTest {
  private static final Path DEPLOY = Path.of(System.getProperty("project.basedir", ".")).resolve("deploy");

  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  private static List<HasMetadata> load(String file) throws IOException {
    try (InputStream in = Files.newInputStream(DEPLOY.resolve(file))) {
      Object parsed = YAML.unmarshal(in);
      return parsed instanceof List<?> list
          ? list.stream().map(HasMetadata.class::cast).toList()
          : List.of((HasMetadata) parsed);
    }
  }

  @Test
  void sampleIsAValidCrawlerMasterWithThreeReplicas() throws IOException {
    CrawlerMaster sample = YAML.unmarshal(Files.readString(DEPLOY.resolve("samples/crawlermaster.yaml")),
        CrawlerMaster.class);

    assertThat(sample.getSpec().getReplicas()).isEqualTo(3);
    assertThat(sample.getSpec().getEtcd().getEndpoints()).containsExactly("http://etcd.crawler-system:2379");
    assertThat(SpecValidator.validate(sample, List.of())).isEmpty();
  }

  @Test
  void operatorDeploymentArgumentsAreAcceptedByTheOperatorCommand() throws IOException {
    Deployment d = (Deployment) load("operator.yaml").get(0);
    List<String> args = d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();

    assertThat(args.get(0)).isEqualTo("operator");
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
    assertThat(command.healthPort).isEqualTo(8081);
    assertThat(command.leaderElection).isTrue();
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getLivenessProbe().getHttpGet().getPath())
        .isEqualTo(HealthServer.HEALTHZ);
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe().getHttpGet().getPath())
        .isEqualTo(HealthServer.READYZ);
  }

  @Test
  void theTwoOperatorReplicasPreferTwoNodesAndADrainTakesOneAtATime() throws IOException {
    Deployment d = (Deployment) load("operator.yaml").get(0);
    var pdb = (io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget) load("operator-pdb.yaml").get(0);
    Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();

    assertThat(d.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
        .getPreferredDuringSchedulingIgnoredDuringExecution()).singleElement().satisfies(w -> {
          assertThat(w.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
          assertThat(podLabels).containsAllEntriesOf(w.getPodAffinityTerm().getLabelSelector().getMatchLabels());
        });
    assertThat(pdb.getMetadata().getNamespace()).isEqualTo(d.getMetadata().getNamespace());
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(d.getSpec().getSelector().getMatchLabels());
    assertThat(Files.readString(DEPLOY.resolve("kustomization.yaml"))).contains("- operator-pdb.yaml");
  }

  @Test
  void twoReplicasElectALeaderAndRollOneAtATime() throws IOException {
    Deployment d = (Deployment) load("operator.yaml").get(0);
    var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);

    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(d.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(container.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("POD_NAME");
      assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    }).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("POD_NAMESPACE");
      assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    });
  }

  @Test
  void operatorHeapFromTheImagesFlagsAtTheDeploymentsLimitLeavesRoomForWhatLivesOutsideTheHeap() throws Exception {
    Deployment d = (Deployment) load("operator.yaml").get(0);
    var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getEnv()).as("the heap comes from the image's flags file, not the environment")
        .noneMatch(e -> e.getName().equals("JAVA_TOOL_OPTIONS"));
    long limit = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
        container.getResources().getLimits().get("memory")).longValueExact();
    long request = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
        container.getResources().getRequests().get("memory")).longValueExact();
    // Ask the JVM what heap image/operator.jvm.options gives when the container limit is its RAM.
    Path options = Path.of(System.getProperty("project.basedir", ".")).resolve("image/operator.jvm.options");
    long heap = TestingJvmFlags.maxHeapBytes(options, Long.toString(limit));

    // About 100 MiB live at 1000 CrawlerMasters: the heap has room for twice that.
    assertThat(heap).isGreaterThanOrEqualTo(192L * 1024 * 1024);
    // Metaspace, code, thread stacks and Netty's buffers took 220-240 MiB beside the heap at 1000 CrawlerMasters.
    assertThat(limit - heap).isGreaterThanOrEqualTo(256L * 1024 * 1024);
    assertThat(request).isGreaterThan(heap).isLessThanOrEqualTo(limit);
  }

  @Test
  void metricsPortIsAnnotatedForPrometheus() throws IOException {
    Deployment d = (Deployment) load("operator.yaml").get(0);

    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts()).singleElement()
        .satisfies(p -> {
          assertThat(p.getName()).isEqualTo("metrics");
          assertThat(p.getContainerPort()).isEqualTo(8081);
        });
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "prometheus.io/scrape", "true",
        "prometheus.io/port", "8081",
        "prometheus.io/path", HealthServer.METRICS));
  }

  @Test
  void leaseAccessIsLimitedToTheOperatorNamespaceAndItsLease() throws IOException {
    List<HasMetadata> rbac = load("rbac.yaml");
    io.fabric8.kubernetes.api.model.rbac.Role role = rbac.stream()
        .filter(io.fabric8.kubernetes.api.model.rbac.Role.class::isInstance)
        .map(io.fabric8.kubernetes.api.model.rbac.Role.class::cast)
        .findFirst().orElseThrow();

    assertThat(role.getMetadata().getNamespace()).isEqualTo("crawler-system");
    assertThat(role.getRules()).allSatisfy(r -> {
      assertThat(r.getApiGroups()).containsExactly("coordination.k8s.io");
      assertThat(r.getResources()).containsExactly("leases");
    });
    assertThat(role.getRules()).anySatisfy(r -> {
      assertThat(r.getResourceNames()).isEmpty();
      assertThat(r.getVerbs()).containsExactly("create");
    }).anySatisfy(r -> {
      assertThat(r.getResourceNames()).containsExactly(OperatorLeaderElection.LEASE_NAME);
      assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "update", "patch");
    });
    ClusterRole clusterRole = rbac.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
        .findFirst().orElseThrow();
    assertThat(clusterRole.getRules()).noneSatisfy(r -> assertThat(r.getResources()).contains("leases"));
  }

  /**
   * Every grant of the operator, one "group/resource[names]: verb" per line: a verb added to or
   * removed from the YAML (or a resource slipped into an existing rule) fails here;
   * OperatorRbacAndSsaTest proves on a real API server that each of them is needed.
   */
  static final List<String> OPERATOR_GRANTS = List.of(
      "crawler.dev/crawlermasters: list", "crawler.dev/crawlermasters: watch",
      // removing the switchover annotation once taken
      "crawler.dev/crawlermasters: patch",
      "crawler.dev/crawlermasters/status: patch",
      "apps/statefulsets: list", "apps/statefulsets: watch", "apps/statefulsets: create", "apps/statefulsets: patch",
      // the workers' Deployment, deleted when spec.workers goes
      "apps/deployments: list", "apps/deployments: watch", "apps/deployments: create", "apps/deployments: patch",
      "apps/deployments: delete",
      "policy/poddisruptionbudgets: list", "policy/poddisruptionbudgets: watch",
      "policy/poddisruptionbudgets: create", "policy/poddisruptionbudgets: patch",
      "policy/poddisruptionbudgets: delete",
      "/services: list", "/services: watch", "/services: create", "/services: patch",
      "/events: create",
      "/pods: list", "/pods: watch", "/pods: patch", "/pods: delete",
      "/secrets: list", "/secrets: watch");

  static List<String> grants(List<PolicyRule> rules) {
    return rules.stream().flatMap(r -> r.getApiGroups().stream().flatMap(g -> r.getResources().stream().flatMap(res ->
        r.getVerbs().stream().map(v -> g + "/" + res
            + (r.getResourceNames() == null || r.getResourceNames().isEmpty() ? "" : r.getResourceNames().toString())
            + ": " + v)))).toList();
  }

  @Test
  void clusterRoleGrantsExactlyWhatTheReconcilerUses() throws IOException {
    ClusterRole role = load("rbac.yaml").stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
        .findFirst().orElseThrow();

    assertThat(grants(role.getRules())).containsExactlyInAnyOrderElementsOf(OPERATOR_GRANTS);
    assertThat(role.getRules()).allSatisfy(r -> assertThat(r.getNonResourceURLs()).isNullOrEmpty());
  }

  @Test
  void namespacedInstallGrantsTheSameRulesAsARoleInTheOperatorsNamespace() throws IOException {
    List<HasMetadata> rbac;
    try (InputStream in = Files.newInputStream(DEPLOY.resolveSibling("deploy-namespaced").resolve("rbac.yaml"))) {
      rbac = ((List<?>) YAML.unmarshal(in)).stream().map(HasMetadata.class::cast).toList();
    }
    io.fabric8.kubernetes.api.model.rbac.Role role = rbac.stream()
        .filter(io.fabric8.kubernetes.api.model.rbac.Role.class::isInstance)
        .map(io.fabric8.kubernetes.api.model.rbac.Role.class::cast).findFirst().orElseThrow();
    io.fabric8.kubernetes.api.model.rbac.RoleBinding binding = rbac.stream()
        .filter(io.fabric8.kubernetes.api.model.rbac.RoleBinding.class::isInstance)
        .map(io.fabric8.kubernetes.api.model.rbac.RoleBinding.class::cast).findFirst().orElseThrow();

    assertThat(role.getMetadata().getNamespace()).isEqualTo("crawler-system");
    assertThat(grants(role.getRules())).containsExactlyInAnyOrderElementsOf(OPERATOR_GRANTS);
    assertThat(binding.getMetadata().getNamespace()).isEqualTo("crawler-system");
    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(sub -> {
      assertThat(sub.getName()).isEqualTo("crawler-operator");
      assertThat(sub.getNamespace()).isEqualTo("crawler-system");
    });
  }
}
