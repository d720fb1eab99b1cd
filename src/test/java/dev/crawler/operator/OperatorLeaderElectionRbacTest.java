package dev.crawler.operator;

import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.testing.TestingCrawlerMasters;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingOperatorProcess;
import dev.crawler.testing.TestingServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Leader election between two real operator processes that authenticate as the operator's
 * ServiceAccount and hold exactly the RBAC of {@code deploy/rbac.yaml}: the Lease lives in
 * crawler-system, as in deploy/operator.yaml; the processes watch a namespace of the test's own.
 */
@Tag("apiserver")
@Tag("process")
class OperatorLeaderElectionRbacTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** How long an operator without the Lease must keep not reconciling. */
  private static final Duration STAYS_UNRECONCILED = Duration.ofSeconds(8);
  private static final String SYSTEM_NS = "crawler-system";
  private static final String SERVICE_ACCOUNT = "crawler-operator";
  private static final String ROLE = "crawler-operator-leader-election";
  private static final String NAME = "le-rbac";

  private final TestingKubeApiServer api = TestingKubeApiServer.shared();
  private final KubernetesClient admin = api.client();
  private final List<TestingOperatorProcess> operators = new ArrayList<>();
  private String ns;
  private Path kubeconfig;
  private boolean roleChanged;

  @BeforeEach
  void installAndIdentity() throws Exception {
    Path deploy = TestingKubeApiServer.projectDir().resolve("deploy");
    api.kubectl("apply", "-f", deploy.resolve("namespace.yaml").toString()).assertSuccess();
    api.kubectl("apply", "-f", deploy.resolve("rbac.yaml").toString()).assertSuccess();
    deleteLease();
    ns = "le-rbac-" + ThreadLocalRandom.current().nextInt(1_000_000);
    api.ensureNamespace(ns);
    kubeconfig = TestingServiceAccount.kubeconfigFile(api, SYSTEM_NS, SERVICE_ACCOUNT);
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (TestingOperatorProcess p : operators) {
      p.close();
    }
    if (roleChanged) {
      api.kubectl("apply", "-f", TestingKubeApiServer.projectDir().resolve("deploy/rbac.yaml").toString())
          .assertSuccess();
      // The authorizer follows the Role asynchronously; the next test needs it restored.
      try (KubernetesClient sa = TestingServiceAccount.client(api, SYSTEM_NS, SERVICE_ACCOUNT)) {
        await().atMost(TIMEOUT).until(() -> mayPatchLease(sa));
      }
    }
    deleteLease();
    // No garbage collector on the test server: remove what the operator created.
    admin.resources(CrawlerMaster.class).inNamespace(ns).delete();
    admin.apps().statefulSets().inNamespace(ns).delete();
    admin.services().inNamespace(ns).delete();
    Files.deleteIfExists(kubeconfig);
  }

  @Test
  void withTheDeployedRbacTheStandbyTakesOverTheLeaseAfterSigtermAndReconciles() throws Exception {
    TestingOperatorProcess a = start("le-rbac-a");
    await().atMost(TIMEOUT).until(() -> "le-rbac-a".equals(holder()));
    TestingOperatorProcess b = start("le-rbac-b");

    CrawlerMaster cm = crawlerMaster(ns, NAME, TestingCrawlerMasters.ETCD);
    cm.getSpec().setReplicas(1);
    admin.resource(cm).create();
    await().atMost(TIMEOUT).until(() -> reconciled(1));
    assertThat(holder()).isEqualTo("le-rbac-a");

    long t0 = System.nanoTime();
    a.signal("TERM");
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> "le-rbac-b".equals(holder()));
    long takeoverMillis = (System.nanoTime() - t0) / 1_000_000;
    int exit = a.awaitExit(TIMEOUT);

    TestingCrawlerMasters.edit(admin, ns, NAME, c -> {
      c.getSpec().setReplicas(3);
    });
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> reconciled(3));
    long reconciledMillis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("[rbac-ha] as %s: Lease %s/%s held by le-rbac-b %d ms after SIGTERM of le-rbac-a"
        + " (exit code %d); spec change reconciled %d ms after the SIGTERM%n",
        "system:serviceaccount:" + SYSTEM_NS + ":" + SERVICE_ACCOUNT, SYSTEM_NS, OperatorLeaderElection.LEASE_NAME,
        takeoverMillis, exit, reconciledMillis);
    assertThat(a.log()).doesNotContainIgnoringCase("forbidden");
    assertThat(b.log()).doesNotContainIgnoringCase("forbidden");
  }

  @Test
  void withoutPatchOnTheLeaseTheOperatorCannotTakeItOverAndDoesNotReconcile() throws Exception {
    // The Lease as a replica that is gone left it: expired, so any candidate may take it over.
    admin.resource(new LeaseBuilder()
        .withNewMetadata().withName(OperatorLeaderElection.LEASE_NAME).withNamespace(SYSTEM_NS).endMetadata()
        .withNewSpec().withHolderIdentity("gone").withLeaseDurationSeconds(1)
        .withAcquireTime(ZonedDateTime.now().minusMinutes(5)).withRenewTime(ZonedDateTime.now().minusMinutes(5))
        .endSpec().build()).create();
    removePatchFromTheLeaderElectionRole();
    try (KubernetesClient sa = TestingServiceAccount.client(api, SYSTEM_NS, SERVICE_ACCOUNT)) {
      await().atMost(TIMEOUT).until(() -> !mayPatchLease(sa));
    }

    TestingOperatorProcess a = start("le-rbac-a");
    CrawlerMaster cm = crawlerMaster(ns, NAME, TestingCrawlerMasters.ETCD);
    cm.getSpec().setReplicas(1);
    admin.resource(cm).create();

    await().atMost(TIMEOUT).until(() -> a.log().contains("cannot patch resource \"leases\""));
    await().during(STAYS_UNRECONCILED).atMost(STAYS_UNRECONCILED.multipliedBy(2))
        .until(() -> statefulSet() == null && crawlerMasterNow().getStatus() == null);
    assertThat(holder()).isEqualTo("gone");
    String forbidden = a.log().lines().filter(l -> l.contains("cannot patch resource \"leases\"")).findFirst()
        .orElseThrow();
    assertThat(forbidden).contains("403");
    System.out.printf("[rbac-ha] without patch on leases (operator %s): %s%n",
        a.isAlive() ? "running, not leading" : "exited",
        forbidden.substring(Math.max(0, forbidden.indexOf("Failure"))).split(" Received status")[0]);
  }

  private TestingOperatorProcess start(String identity) throws Exception {
    TestingOperatorProcess p = TestingOperatorProcess.start(identity, kubeconfig, ns, SYSTEM_NS);
    operators.add(p);
    return p.awaitReady(TIMEOUT);
  }

  private void removePatchFromTheLeaderElectionRole() {
    roleChanged = true;
    admin.rbac().roles().inNamespace(SYSTEM_NS).withName(ROLE).edit(role -> {
      role.getRules().forEach(r -> r.setVerbs(new ArrayList<>(r.getVerbs().stream().filter(v -> !v.equals("patch")).toList())));
      role.getRules().removeIf(r -> r.getVerbs().isEmpty());
      return role;
    });
  }

  private static boolean mayPatchLease(KubernetesClient client) {
    return client.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
        .withNewSpec().withNewResourceAttributes()
        .withGroup("coordination.k8s.io").withResource("leases").withName(OperatorLeaderElection.LEASE_NAME)
        .withVerb("patch").withNamespace(SYSTEM_NS)
        .endResourceAttributes().endSpec().build()).getStatus().getAllowed();
  }

  private String holder() {
    Lease lease = admin.resources(Lease.class).inNamespace(SYSTEM_NS).withName(OperatorLeaderElection.LEASE_NAME).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private void deleteLease() {
    admin.resources(Lease.class).inNamespace(SYSTEM_NS).withName(OperatorLeaderElection.LEASE_NAME).delete();
  }

  private CrawlerMaster crawlerMasterNow() {
    return admin.resources(CrawlerMaster.class).inNamespace(ns).withName(NAME).get();
  }

  private StatefulSet statefulSet() {
    return admin.apps().statefulSets().inNamespace(ns).withName(NAME).get();
  }

  /** The StatefulSet has {@code replicas} and the status observed the current generation. */
  private boolean reconciled(int replicas) {
    CrawlerMaster cm = crawlerMasterNow();
    StatefulSet sts = statefulSet();
    return cm != null && cm.getStatus() != null && sts != null
        && Objects.equals(cm.getStatus().getObservedGeneration(), cm.getMetadata().getGeneration())
        && sts.getSpec().getReplicas() == replicas;
  }
}
