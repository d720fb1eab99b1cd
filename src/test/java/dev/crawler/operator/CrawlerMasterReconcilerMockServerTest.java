package dev.crawler.operator;

import dev.crawler.operator.settings.OperatorSettings;
import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static dev.crawler.testing.TestingCrawlerMasters.installCrd;
import static dev.crawler.testing.TestingCrawlerMasters.onMockServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterSpec;
import dev.crawler.api.CrawlerMasterStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reconciler wiring against the fabric8 mock API server (CRUD mode). The mock cannot do
 * server-side apply, so only here the operator patches with SSA switched off.
 */
@EnableKubernetesMockClient(crud = true)
class CrawlerMasterReconcilerMockServerTest {
  static KubernetesClient client;
  private static Operator operator;
  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @BeforeAll
  static void startOperator() throws Exception {
    installCrd(client);
    operator = CrawlerOperator.create(client, onMockServer(new OperatorSettings("crawler-master:test", Set.of())));
    operator.start();
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.stop();
    }
  }

  private static String freshNamespace() {
    return "ns" + NAMESPACES.incrementAndGet();
  }

  private static CrawlerMaster create(CrawlerMaster cm) {
    return client.resource(cm).create();
  }

  private static CrawlerMaster get(String ns, String name) {
    return client.resources(CrawlerMaster.class).inNamespace(ns).withName(name).get();
  }

  /**
   * Changes the spec as a user would, retrying when a status patch of the operator came in
   * between (the edit is optimistic: it carries the resourceVersion it read).
   */
  private static void editSpec(String ns, String name, Consumer<CrawlerMasterSpec> change) {
    await().atMost(TIMEOUT).until(() -> {
      try {
        client.resources(CrawlerMaster.class).inNamespace(ns).withName(name).edit(cm -> {
          change.accept(cm.getSpec());
          return cm;
        });
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
          return false;
        }
        throw e;
      }
    });
  }

  private static StatefulSet statefulSet(String ns, String name) {
    return client.apps().statefulSets().inNamespace(ns).withName(name).get();
  }

  private static Condition readyCondition(CrawlerMaster cm) {
    return CrawlerMasterConditions.find(cm.getStatus(), CrawlerMasterConditions.READY).orElse(null);
  }

  private static List<Event> invalidSpecEvents(String ns, String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .filter(e -> "InvalidSpec".equals(e.getReason()))
        .toList();
  }

  private static void assertOwnedBy(HasMetadata owned, CrawlerMaster owner) {
    assertThat(owned.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
      assertThat(ref.getKind()).isEqualTo("CrawlerMaster");
      assertThat(ref.getName()).isEqualTo(owner.getMetadata().getName());
      assertThat(ref.getUid()).isEqualTo(owner.getMetadata().getUid());
    });
  }

  @Test
  void creatingACrawlerMasterYieldsTheStatefulSetAndBothServicesOwnedByIt() {
    String ns = freshNamespace();
    CrawlerMaster cm = create(crawlerMaster(ns, "demo"));

    await().atMost(TIMEOUT).until(() -> statefulSet(ns, "demo") != null
        && client.services().inNamespace(ns).withName("demo-headless").get() != null
        && client.services().inNamespace(ns).withName("demo").get() != null);

    StatefulSet sts = statefulSet(ns, "demo");
    Service headless = client.services().inNamespace(ns).withName("demo-headless").get();
    Service leader = client.services().inNamespace(ns).withName("demo").get();
    assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
    assertThat(sts.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("crawler-master:test");
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(leader.getSpec().getSelector()).containsEntry("crawler.dev/role", "leader");
    assertOwnedBy(sts, cm);
    assertOwnedBy(headless, cm);
    assertOwnedBy(leader, cm);
  }

  @Test
  void statusCarriesObservedGenerationAndReplicaCountsButIsNotReadyWithoutAReachableElection() {
    String ns = freshNamespace();
    create(crawlerMaster(ns, "demo"));

    await().atMost(TIMEOUT).until(() -> {
      CrawlerMaster cm = get(ns, "demo");
      return cm.getStatus() != null && Long.valueOf(1L).equals(cm.getStatus().getObservedGeneration());
    });
    CrawlerMaster pending = get(ns, "demo");
    assertThat(readyCondition(pending).getStatus()).isEqualTo("False");
    assertThat(readyCondition(pending).getReason()).isEqualTo("ReplicasNotReady");
    assertThat(readyCondition(pending).getObservedGeneration()).isEqualTo(1L);

    // The mock has no StatefulSet controller: report the replicas ready as it would.
    StatefulSet sts = statefulSet(ns, "demo");
    sts.setStatus(new StatefulSetStatusBuilder().withReplicas(3).withReadyReplicas(3).build());
    client.resource(sts).updateStatus();

    // The sample etcd endpoint does not exist here: replicas are ready, but no leader is known.
    await().atMost(TIMEOUT).until(() -> "EtcdUnreachable".equals(readyCondition(get(ns, "demo")).getReason()));
    CrawlerMasterStatus status = get(ns, "demo").getStatus();
    assertThat(status.getReplicas()).isEqualTo(3);
    assertThat(status.getReadyReplicas()).isEqualTo(3);
    assertThat(readyCondition(get(ns, "demo")).getStatus()).isEqualTo("False");
    assertThat(readyCondition(get(ns, "demo")).getMessage()).startsWith("3/3 replicas ready; etcd http://etcd.crawler-system:2379: ");
    assertThat(CrawlerMasterConditions.find(status, "EtcdReachable").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(status.getLeader()).isNull();
  }

  @Test
  void changingReplicasFromThreeToFiveUpdatesTheStatefulSet() {
    String ns = freshNamespace();
    create(crawlerMaster(ns, "demo"));
    await().atMost(TIMEOUT).until(() -> statefulSet(ns, "demo") != null);

    editSpec(ns, "demo", spec -> spec.setReplicas(5));

    await().atMost(TIMEOUT).until(() -> statefulSet(ns, "demo").getSpec().getReplicas() == 5);
    await().atMost(TIMEOUT).until(() -> Long.valueOf(2L).equals(get(ns, "demo").getStatus().getObservedGeneration()));
  }

  @Test
  void invalidEndpointGivesInvalidSpecConditionAndOneWarningEventAndNoStatefulSet() {
    String ns = freshNamespace();
    create(crawlerMaster(ns, "bad", "http://etcd:2379", "http://etcd_0:2379"));

    await().atMost(TIMEOUT).until(() -> readyCondition(get(ns, "bad")) != null);
    Condition ready = readyCondition(get(ns, "bad"));
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage()).startsWith("spec.etcd.endpoints[1]: \"http://etcd_0:2379\"");
    await().atMost(TIMEOUT).until(() -> invalidSpecEvents(ns, "bad").size() == 1);
    Event event = invalidSpecEvents(ns, "bad").get(0);
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(event.getInvolvedObject().getKind()).isEqualTo("CrawlerMaster");
    assertThat(event.getMessage()).isEqualTo(ready.getMessage());

    // Another reconcile with the same problem: no second event.
    editSpec(ns, "bad", spec -> spec.setReplicas(4));
    await().atMost(TIMEOUT).until(() -> Long.valueOf(2L).equals(get(ns, "bad").getStatus().getObservedGeneration()));
    assertThat(invalidSpecEvents(ns, "bad")).hasSize(1);
    assertThat(statefulSet(ns, "bad")).isNull();
    assertThat(client.services().inNamespace(ns).list().getItems()).isEmpty();

    // Fixing the spec creates the dependents.
    editSpec(ns, "bad", spec -> spec.getEtcd().setEndpoints(List.of("http://etcd:2379")));
    await().atMost(TIMEOUT).until(() -> statefulSet(ns, "bad") != null);
    await().atMost(TIMEOUT).until(() -> "ReplicasNotReady".equals(readyCondition(get(ns, "bad")).getReason()));
  }

  @Test
  void youngerCrawlerMasterWithAnOverlappingPrefixOnTheSameEtcdIsRejectedAndTheOlderKeepsRunning() throws Exception {
    String ns = freshNamespace();
    CrawlerMaster first = crawlerMaster(ns, "first");
    first.getSpec().getEtcd().setKeyPrefix("/crawler/" + ns + "/shared");
    create(first);
    await().atMost(TIMEOUT).until(() -> statefulSet(ns, "first") != null);
    // Creation timestamps have one-second resolution; make the second one strictly younger.
    Thread.sleep(1100);

    CrawlerMaster second = crawlerMaster(ns, "second");
    second.getSpec().getEtcd().setKeyPrefix("/crawler/" + ns + "/shared/sub");
    create(second);

    await().atMost(TIMEOUT).until(() -> readyCondition(get(ns, "second")) != null);
    assertThat(readyCondition(get(ns, "second")).getReason()).isEqualTo("InvalidSpec");
    assertThat(readyCondition(get(ns, "second")).getMessage())
        .startsWith("spec.etcd.keyPrefix: /crawler/" + ns + "/shared/sub overlaps /crawler/" + ns
            + "/shared of CrawlerMaster " + ns + "/first");
    assertThat(statefulSet(ns, "second")).isNull();
    assertThat(readyCondition(get(ns, "first")).getReason()).isNotEqualTo("InvalidSpec");
  }

  @Test
  void keyPrefixInAnotherNamespacesSubtreeIsAnInvalidSpec() throws Exception {
    String ns = freshNamespace();
    CrawlerMaster squatter = crawlerMaster(ns, "squatter");
    squatter.getSpec().getEtcd().setKeyPrefix("/crawler/someone-else/prod");
    create(squatter);

    await().atMost(TIMEOUT).until(() -> readyCondition(get(ns, "squatter")) != null);
    assertThat(readyCondition(get(ns, "squatter")).getReason()).isEqualTo("InvalidSpec");
    assertThat(readyCondition(get(ns, "squatter")).getMessage())
        .startsWith("spec.etcd.keyPrefix: /crawler/someone-else/prod lies outside /crawler/" + ns + "/");
    assertThat(statefulSet(ns, "squatter")).isNull();
  }
}
