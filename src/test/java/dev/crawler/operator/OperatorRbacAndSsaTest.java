package dev.crawler.operator;

import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.operator.resources.MasterResources;
import dev.crawler.operator.resources.RoleLabels;
import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.api.KeyLayout;
import dev.crawler.testing.TestingCandidate;
import dev.crawler.testing.TestingCrawlerMasters;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingServiceAccount;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator as configured in production (JOSDK defaults: server-side apply for dependents and
 * status, all namespaces watched) against a real kube-apiserver, first with the admin identity,
 * then with the identity of its ServiceAccount holding exactly the ClusterRole in
 * {@code deploy/rbac.yaml}: that role suffices for a full reconcile, and each verb taken away
 * breaks it with 403 Forbidden.
 *
 * <p>The test server has no controller-manager: the test creates the master pods itself and
 * deletes what the operator created (no garbage collector).
 */
@Tag("apiserver")
@Tag("etcd")
class OperatorRbacAndSsaTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** How long a withheld write must stay absent while the operator keeps retrying. */
  private static final Duration STAYS_ABSENT = Duration.ofSeconds(6);
  private static final String NAME = "rbac";
  private static final String SYSTEM_NS = "crawler-system";
  private static final String SERVICE_ACCOUNT = "crawler-operator";
  private static final String CLUSTER_ROLE = "crawler-operator";
  private static final String SA_USER = "system:serviceaccount:" + SYSTEM_NS + ":" + SERVICE_ACCOUNT;

  private static TestingKubeApiServer api;
  private static KubernetesClient admin;
  private static TestingEtcd etcd;
  private static Client etcdClient;

  private final List<TestingCandidate> candidates = new ArrayList<>();
  private final CapturedStderr operatorLog = new CapturedStderr();
  private String ns;
  private Operator operator;
  private KubernetesClient operatorClient;
  private Set<String> managedBefore;
  private Removal removed;

  @BeforeAll
  static void startServers() throws Exception {
    api = TestingKubeApiServer.shared();
    admin = api.client();
    etcd = TestingEtcd.startNew();
    etcdClient = Client.builder().endpoints(etcd.endpoint()).build();
    // As an administrator installs the operator: its namespace, ServiceAccount and RBAC.
    Path deploy = TestingKubeApiServer.projectDir().resolve("deploy");
    api.kubectl("apply", "-f", deploy.resolve("namespace.yaml").toString()).assertSuccess();
    api.kubectl("apply", "-f", deploy.resolve("rbac.yaml").toString()).assertSuccess();
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    etcdClient.close();
    etcd.close();
  }

  @BeforeEach
  void namespace() {
    ns = "rbac-ssa-" + ThreadLocalRandom.current().nextInt(1_000_000);
    api.ensureNamespace(ns);
    managedBefore = managedObjectUids();
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (operator != null) {
      operator.stop();
    }
    operatorLog.close();
    candidates.forEach(TestingCandidate::close);
    if (removed != null) {
      api.kubectl("apply", "-f", TestingKubeApiServer.projectDir().resolve("deploy/rbac.yaml").toString())
          .assertSuccess();
      // The authorizer's cache follows the role asynchronously; the next test needs it restored.
      try (KubernetesClient sa = serviceAccountClient()) {
        await().atMost(TIMEOUT).until(() -> isAllowed(sa, removed.apiGroup(), removed.resource(), removed.verb()));
      }
    }
    admin.resources(CrawlerMaster.class).inNamespace(ns).delete();
    admin.apps().statefulSets().inNamespace(ns).delete();
    admin.apps().deployments().inNamespace(ns).delete();
    admin.policy().v1().podDisruptionBudget().inNamespace(ns).delete();
    admin.services().inNamespace(ns).delete();
    admin.pods().inNamespace(ns).withGracePeriod(0).delete();
    admin.v1().events().inNamespace(ns).delete();
    // Watching all namespaces, the operator may also have acted on CRs other tests left behind.
    managedObjects().filter(o -> !managedBefore.contains(o.getMetadata().getUid())).forEach(o -> admin.resource(o).delete());
  }

  @Test
  void productionConfigurationAppliesDependentsAndStatusWithServerSideApply() throws Exception {
    startOperator(new KubernetesClientBuilder().withConfig(adminConfig()).build());
    CrawlerMaster cm = createCrawlerMaster(3);

    StatefulSet sts = await().atMost(TIMEOUT).until(this::statefulSet, Objects::nonNull);
    Service client = await().atMost(TIMEOUT).until(() -> service(NAME), Objects::nonNull);
    Service headless = await().atMost(TIMEOUT).until(() -> service(NAME + "-headless"), Objects::nonNull);
    for (HasMetadata dependent : List.of(sts, client, headless)) {
      assertThat(dependent.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> isControllerRef(ref, cm));
    }
    assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
    assertThat(sts.getMetadata().getManagedFields())
        .anySatisfy(f -> {
          assertThat(f.getManager()).isEqualTo(CrawlerMasterReconciler.NAME);
          assertThat(f.getOperation()).isEqualTo("Apply");
        })
        .allSatisfy(f -> assertThat(f.getManager()).isEqualTo(CrawlerMasterReconciler.NAME));
    await().atMost(TIMEOUT).until(() -> observedCurrentGeneration(crawlerMasterNow()));
    assertThat(statusManagers()).contains(CrawlerMasterReconciler.NAME);

    leadAndLabelPods(sts);

    // Taking a role label away makes the operator reconcile (and put it back); the dependents it
    // applies again are unchanged, so the API server stores no new version of them.
    Map<String, String> versions = dependentVersions();
    admin.pods().inNamespace(ns).withName(NAME + "-1").edit(p -> {
      p.getMetadata().getLabels().remove(RoleLabels.ROLE_LABEL);
      return p;
    });
    await().atMost(TIMEOUT).until(() -> RoleLabels.FOLLOWER.equals(role(NAME + "-1")));
    Thread.sleep(STAYS_ABSENT.toMillis());
    assertThat(dependentVersions()).isEqualTo(versions);

    TestingCrawlerMasters.edit(admin, ns, NAME, c -> {
      c.getSpec().setReplicas(5);
    });
    await().atMost(TIMEOUT).until(() -> statefulSet().getSpec().getReplicas() == 5);
    CrawlerMaster updated = await().atMost(TIMEOUT).until(this::crawlerMasterNow, this::observedCurrentGeneration);
    assertThat(updated.getMetadata().getGeneration()).isEqualTo(2L);
    assertThat(updated.getStatus().getLeader()).isEqualTo(NAME + "-0");
  }

  @Test
  void serviceAccountWithTheDeployedRbacReconcilesFully() throws Exception {
    KubernetesClient sa = serviceAccountClient();
    assertThat(isAllowed(sa, "", "secrets", "create")).as("the identity is not an administrator").isFalse();
    assertThat(isAllowed(sa, "", "secrets", "get")).as("Secrets are read from the informer's cache").isFalse();
    startOperator(sa);
    createCrawlerMaster(3);

    StatefulSet sts = await().atMost(TIMEOUT).until(this::statefulSet, Objects::nonNull);
    await().atMost(TIMEOUT).until(() -> service(NAME) != null && service(NAME + "-headless") != null);
    await().atMost(TIMEOUT).until(() -> observedCurrentGeneration(crawlerMasterNow()));
    leadAndLabelPods(sts);
    await().atMost(TIMEOUT).until(() -> events().contains("LeaderElected"));
    assertThat(readyCondition().getReason()).isNotEqualTo(CrawlerMasterConditions.RECONCILE_ERROR);
    assertThat(operatorLog.text()).doesNotContainIgnoringCase("forbidden");
  }

  @Test
  void workersRunAsAnOwnedDeploymentThatFollowsSpecWorkersWithTheDeployedRbac() throws Exception {
    startOperator(serviceAccountClient());
    CrawlerMaster cm = crawlerMaster(ns, NAME, etcd.endpoint());
    cm.getSpec().setReplicas(1);
    dev.crawler.api.WorkersSpec workers = new dev.crawler.api.WorkersSpec();
    workers.setReplicas(2);
    cm.getSpec().setWorkers(workers);
    CrawlerMaster created = admin.resource(cm).create();

    io.fabric8.kubernetes.api.model.apps.Deployment d = await().atMost(TIMEOUT).until(this::workers, Objects::nonNull);
    assertThat(d.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> isControllerRef(ref, created));
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(d.getMetadata().getManagedFields())
        .allSatisfy(f -> assertThat(f.getManager()).isEqualTo(CrawlerMasterReconciler.NAME))
        .anySatisfy(f -> assertThat(f.getOperation()).isEqualTo("Apply"));
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).containsExactly("worker");

    TestingCrawlerMasters.edit(admin, ns, NAME, c -> {
      c.getSpec().getWorkers().setReplicas(3);
    });
    await().atMost(TIMEOUT).until(() -> workers() != null && workers().getSpec().getReplicas() == 3);

    TestingCrawlerMasters.edit(admin, ns, NAME, c -> {
      c.getSpec().setWorkers(null);
    });
    await().atMost(TIMEOUT).until(() -> workers() == null);
    assertThat(statefulSet()).isNotNull();
    assertThat(operatorLog.text()).doesNotContainIgnoringCase("forbidden");
  }

  @Test
  void aDisruptionBudgetOfOneMasterAtATimeIsOwnedByTheClusterAndFollowsTheSpecWithTheDeployedRbac() throws Exception {
    startOperator(serviceAccountClient());
    CrawlerMaster created = createCrawlerMaster(3);

    PodDisruptionBudget pdb = await().atMost(TIMEOUT).until(this::disruptionBudget, Objects::nonNull);
    StatefulSet sts = await().atMost(TIMEOUT).until(this::statefulSet, Objects::nonNull);
    // Garbage collection is the controller manager's, which this API server runs without: the
    // controller reference to the CR is what makes it delete the budget with the CR.
    assertThat(pdb.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> isControllerRef(ref, created));
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(sts.getSpec().getSelector().getMatchLabels());
    assertThat(pdb.getMetadata().getManagedFields())
        .allSatisfy(f -> assertThat(f.getManager()).isEqualTo(CrawlerMasterReconciler.NAME));
    // The stored StatefulSet (apps/v1 validated it) spreads the masters by default.
    assertThat(sts.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
        .getPreferredDuringSchedulingIgnoredDuringExecution()).singleElement()
        .satisfies(w -> assertThat(w.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname"));

    TestingCrawlerMasters.edit(admin, ns, NAME, c -> c.getSpec().setEnablePodDisruptionBudget(false));
    await().atMost(TIMEOUT).until(() -> disruptionBudget() == null);
    TestingCrawlerMasters.edit(admin, ns, NAME, c -> c.getSpec().setEnablePodDisruptionBudget(true));
    await().atMost(TIMEOUT).until(() -> disruptionBudget() != null);
    assertThat(statefulSet()).isNotNull();
    assertThat(operatorLog.text()).doesNotContainIgnoringCase("forbidden");
  }

  private PodDisruptionBudget disruptionBudget() {
    return admin.policy().v1().podDisruptionBudget().inNamespace(ns).withName(NAME).get();
  }

  private io.fabric8.kubernetes.api.model.apps.Deployment workers() {
    return admin.apps().deployments().inNamespace(ns).withName(NAME + "-workers").get();
  }

  /** One verb the operator needs, taken away from its ClusterRole. */
  record Removal(String apiGroup, String resource, String verb) {
    @Override
    public String toString() {
      return verb + " " + (apiGroup.isEmpty() ? "" : apiGroup + "/") + resource;
    }
  }

  static Stream<Removal> removals() {
    return Stream.of(
        new Removal("apps", "statefulsets", "create"),
        new Removal("crawler.dev", "crawlermasters/status", "patch"),
        new Removal("", "pods", "patch"));
  }

  @ParameterizedTest(name = "without {0}")
  @MethodSource("removals")
  void withoutAVerbOfTheDeployedRbacTheReconcileFailsForbidden(Removal removal) throws Exception {
    KubernetesClient sa = serviceAccountClient();
    removeVerb(removal);
    await().atMost(TIMEOUT).until(() -> !isAllowed(sa, removal.apiGroup(), removal.resource(), removal.verb()));
    startOperator(sa);
    createCrawlerMaster(3);

    switch (removal.resource()) {
      case "statefulsets" -> {
        Condition ready = await().atMost(TIMEOUT).until(this::readyCondition,
            c -> c != null && CrawlerMasterConditions.RECONCILE_ERROR.equals(c.getReason()));
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getMessage()).containsIgnoringCase("forbidden");
        assertThat(statefulSet()).isNull();
      }
      case "crawlermasters/status" -> {
        await().atMost(TIMEOUT).until(() -> statefulSet() != null && service(NAME) != null);
        await().atMost(TIMEOUT).until(() -> operatorLog.text().contains(
            "cannot patch resource \"crawlermasters/status\""));
        await().during(STAYS_ABSENT).atMost(STAYS_ABSENT.multipliedBy(2))
            .until(() -> crawlerMasterNow().getStatus() == null);
      }
      case "pods" -> {
        leadingPods(await().atMost(TIMEOUT).until(this::statefulSet, Objects::nonNull));
        Condition ready = await().atMost(TIMEOUT).until(this::readyCondition,
            c -> c != null && CrawlerMasterConditions.RECONCILE_ERROR.equals(c.getReason()));
        assertThat(ready.getMessage()).containsIgnoringCase("forbidden");
        assertThat(Stream.of(0, 1, 2).map(i -> role(NAME + "-" + i))).containsOnlyNulls();
      }
      default -> throw new IllegalArgumentException(removal.toString());
    }
    // JOSDK logs the failed reconcile after it has written the error status.
    await().atMost(TIMEOUT).until(() -> operatorLog.text().contains("is forbidden: User \"" + SA_USER + "\""));
    System.out.printf("[rbac] without %s: %s%n", removal, firstForbiddenLine());
  }

  // --- operator and identities ---

  /** The operator exactly as OperatorCommand builds it: no configuration overrides, all namespaces. */
  private void startOperator(KubernetesClient client) {
    operatorClient = client;
    operator = CrawlerOperator.create(client, CrawlerOperator.Options.of(new OperatorSettings("crawler-master:test", Set.of())));
    operator.start();
  }

  private static Config adminConfig() {
    return Config.fromKubeconfig(api.kubeconfigYaml());
  }

  /** A client authenticated with a token the API server issued to the operator's ServiceAccount. */
  private static KubernetesClient serviceAccountClient() {
    return TestingServiceAccount.client(api, SYSTEM_NS, SERVICE_ACCOUNT);
  }

  private static boolean isAllowed(KubernetesClient client, String group, String resource, String verb) {
    String[] parts = resource.split("/", 2);
    SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder()
        .withNewSpec().withNewResourceAttributes()
        .withGroup(group).withResource(parts[0]).withSubresource(parts.length > 1 ? parts[1] : null)
        .withVerb(verb).withNamespace("default")
        .endResourceAttributes().endSpec().build();
    return client.authorization().v1().selfSubjectAccessReview().create(review).getStatus().getAllowed();
  }

  private void removeVerb(Removal removal) {
    removed = removal;
    admin.rbac().clusterRoles().withName(CLUSTER_ROLE).edit(role -> {
      role.getRules().stream()
          .filter(r -> r.getApiGroups().contains(removal.apiGroup()) && r.getResources().contains(removal.resource()))
          .forEach(r -> r.setVerbs(new ArrayList<>(r.getVerbs().stream().filter(v -> !v.equals(removal.verb())).toList())));
      // A rule must keep at least one verb.
      role.getRules().removeIf(r -> r.getVerbs().isEmpty());
      return role;
    });
  }

  // --- the cluster the test plays ---

  private CrawlerMaster createCrawlerMaster(int replicas) {
    CrawlerMaster cm = crawlerMaster(ns, NAME, etcd.endpoint());
    cm.getSpec().setReplicas(replicas);
    return admin.resource(cm).create();
  }

  /** Pods 0..2 as the StatefulSet controller would create them, and pod 0 leading the election. */
  private void leadingPods(StatefulSet sts) throws Exception {
    for (int i = 0; i < 3; i++) {
      admin.pods().inNamespace(ns).resource(new PodBuilder()
          .withNewMetadata().withName(NAME + "-" + i).withNamespace(ns)
          .withLabels(sts.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
          .withSpec(sts.getSpec().getTemplate().getSpec())
          .build()).create();
    }
    TestingCandidate leader = TestingCandidate.pod(etcdClient, KeyLayout.defaultFor(ns, NAME).election(), NAME + "-0", 2);
    candidates.add(leader);
    leader.campaign().get(30, TimeUnit.SECONDS);
  }

  private void leadAndLabelPods(StatefulSet sts) throws Exception {
    leadingPods(sts);
    await().atMost(TIMEOUT).until(() -> (NAME + "-0").equals(crawlerMasterNow().getStatus().getLeader()));
    await().atMost(TIMEOUT).until(() -> RoleLabels.LEADER.equals(role(NAME + "-0"))
        && RoleLabels.FOLLOWER.equals(role(NAME + "-1")) && RoleLabels.FOLLOWER.equals(role(NAME + "-2")));
  }

  // --- reading what the operator wrote ---

  private CrawlerMaster crawlerMasterNow() {
    return admin.resources(CrawlerMaster.class).inNamespace(ns).withName(NAME).get();
  }

  private boolean observedCurrentGeneration(CrawlerMaster cm) {
    CrawlerMasterStatus s = cm.getStatus();
    return s != null && Objects.equals(s.getObservedGeneration(), cm.getMetadata().getGeneration());
  }

  private Condition readyCondition() {
    CrawlerMasterStatus s = crawlerMasterNow().getStatus();
    return s == null ? null : CrawlerMasterConditions.find(s, CrawlerMasterConditions.READY).orElse(null);
  }

  private List<String> statusManagers() {
    return crawlerMasterNow().getMetadata().getManagedFields().stream()
        .filter(f -> "status".equals(f.getSubresource()))
        .map(ManagedFieldsEntry::getManager)
        .toList();
  }

  private StatefulSet statefulSet() {
    return admin.apps().statefulSets().inNamespace(ns).withName(NAME).get();
  }

  private Service service(String name) {
    return admin.services().inNamespace(ns).withName(name).get();
  }

  private String role(String pod) {
    Pod p = admin.pods().inNamespace(ns).withName(pod).get();
    return p == null || p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(RoleLabels.ROLE_LABEL);
  }

  private Map<String, String> dependentVersions() {
    return Map.of(
        "statefulset", statefulSet().getMetadata().getResourceVersion(),
        "service", service(NAME).getMetadata().getResourceVersion(),
        "headless", service(NAME + "-headless").getMetadata().getResourceVersion());
  }

  private List<String> events() {
    return admin.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> NAME.equals(e.getInvolvedObject().getName()))
        .map(e -> e.getReason())
        .toList();
  }

  private static void isControllerRef(OwnerReference ref, CrawlerMaster cm) {
    assertThat(ref.getKind()).isEqualTo("CrawlerMaster");
    assertThat(ref.getApiVersion()).isEqualTo("crawler.dev/v1alpha1");
    assertThat(ref.getName()).isEqualTo(NAME);
    assertThat(ref.getUid()).isEqualTo(cm.getMetadata().getUid());
    assertThat(ref.getController()).isTrue();
  }

  private String firstForbiddenLine() {
    return operatorLog.text().lines().filter(l -> l.contains("is forbidden")).findFirst()
        .map(l -> l.substring(l.indexOf("Message: ") + 9).split("\\. Received status")[0]).orElse("(none)");
  }

  // --- what the operator created anywhere (it watches all namespaces) ---

  private static Stream<HasMetadata> managedObjects() {
    return Stream.concat(
        admin.apps().statefulSets().inAnyNamespace().withLabel(MasterResources.LABEL_MANAGED_BY, MasterResources.MANAGER)
            .list().getItems().stream(),
        Stream.concat(
            admin.services().inAnyNamespace().withLabel(MasterResources.LABEL_MANAGED_BY, MasterResources.MANAGER)
                .list().getItems().stream(),
            admin.policy().v1().podDisruptionBudget().inAnyNamespace()
                .withLabel(MasterResources.LABEL_MANAGED_BY, MasterResources.MANAGER).list().getItems().stream()));
  }

  private static Set<String> managedObjectUids() {
    Set<String> uids = new HashSet<>();
    managedObjects().forEach(o -> uids.add(o.getMetadata().getUid()));
    return uids;
  }

  /**
   * Copies everything written to System.err (where slf4j-simple logs, looking the stream up on each
   * write) while a test runs, so the operator's own report of a 403 can be checked.
   */
  private static final class CapturedStderr implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    CapturedStderr() {
      System.setErr(new PrintStream(new OutputStream() {
        @Override
        public void write(int b) {
          original.write(b);
          synchronized (copy) {
            copy.write(b);
          }
        }

        @Override
        public void write(byte[] b, int off, int len) {
          original.write(b, off, len);
          synchronized (copy) {
            copy.write(b, off, len);
          }
        }
      }, true, StandardCharsets.UTF_8));
    }

    String text() {
      synchronized (copy) {
        return copy.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() {
      System.setErr(original);
    }
  }
}
