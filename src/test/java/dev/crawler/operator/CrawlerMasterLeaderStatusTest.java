package dev.crawler.operator;

import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.operator.etcd.ElectionEventSource;
import dev.crawler.operator.resources.MasterResources;
import dev.crawler.operator.resources.RoleLabels;
import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static dev.crawler.testing.TestingCrawlerMasters.installCrd;
import static dev.crawler.testing.TestingCrawlerMasters.onMockServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.testing.TestingCandidate;
import dev.crawler.testing.TestingEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator publishes each cluster's leader: a real etcd with candidates campaigning under the
 * CR's pod names, the operator against the fabric8 mock API server (CRUD mode, SSA off as only
 * the mock needs). The test creates the master pods itself, as the StatefulSet controller would.
 * Propagation delays (candidate action returned → the test's watch sees the status) are printed.
 */
@Tag("etcd")
@EnableKubernetesMockClient(crud = true)
class CrawlerMasterLeaderStatusTest {
  static KubernetesClient client;
  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final long TTL = 2;
  private static final String NAME = "demo";

  private TestingEtcd etcd;
  private Client etcdClient;
  private Operator operator;
  private ElectionEventSource leaderWatch;
  private String ns;
  private final List<TestingCandidate> candidates = new ArrayList<>();
  private final List<Watch> watches = new ArrayList<>();
  private final StatusLog statuses = new StatusLog();
  private final RoleLog roles = new RoleLog();

  /** Every status the test's watch on the CR saw, with when it saw it. */
  private static final class StatusLog {
    record Seen(long nanos, CrawlerMasterStatus status) {}

    private final List<Seen> seen = new ArrayList<>();

    synchronized void add(CrawlerMasterStatus s) {
      seen.add(new Seen(System.nanoTime(), s));
    }

    synchronized Seen firstSince(long nanos, Predicate<CrawlerMasterStatus> p) {
      return seen.stream().filter(s -> s.nanos() >= nanos && s.status() != null && p.test(s.status()))
          .findFirst().orElse(null);
    }

    synchronized List<CrawlerMasterStatus> all() {
      return seen.stream().map(Seen::status).filter(Objects::nonNull).toList();
    }
  }

  /** Replays the pods' role labels as the API server stores them and notes any moment with two leaders. */
  private static final class RoleLog {
    private final Map<String, String> current = new HashMap<>();
    private final List<String> violations = new ArrayList<>();

    synchronized void update(Watcher.Action action, Pod pod) {
      String name = pod.getMetadata().getName();
      if (action == Watcher.Action.DELETED) {
        current.remove(name);
      } else {
        Map<String, String> labels = pod.getMetadata().getLabels();
        current.put(name, labels == null ? null : labels.get(RoleLabels.ROLE_LABEL));
      }
      if (!RoleLabels.atMostOneLeader(current)) {
        violations.add(current.toString());
      }
    }

    synchronized Map<String, String> roles() {
      return new HashMap<>(current);
    }

    synchronized List<String> violations() {
      return List.copyOf(violations);
    }
  }

  @BeforeAll
  static void loadCrd() {
    installCrd(client);
  }

  @BeforeEach
  void setUp() throws Exception {
    etcd = TestingEtcd.startNew();
    etcdClient = Client.builder().endpoints(etcd.endpoint()).build();
    ns = "leader" + NAMESPACES.incrementAndGet();
    watches.add(client.resources(CrawlerMaster.class).inNamespace(ns).withName(NAME).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, CrawlerMaster cm) {
        statuses.add(cm.getStatus());
      }

      @Override
      public void onClose(WatcherException cause) {}
    }));
    watches.add(client.pods().inNamespace(ns).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        roles.update(action, pod);
      }

      @Override
      public void onClose(WatcherException cause) {}
    }));
    operator = startOperator();
  }

  @AfterEach
  void tearDown() throws Exception {
    watches.forEach(Watch::close);
    if (operator != null) {
      operator.stop();
    }
    candidates.forEach(TestingCandidate::close);
    etcdClient.close();
    etcd.close();
  }

  private Operator startOperator() {
    leaderWatch = new ElectionEventSource();
    // Only this test's namespace: CRs of earlier tests name etcds that are gone.
    Operator o = CrawlerOperator.create(client, onMockServer(new OperatorSettings("crawler-master:test", Set.of(ns)))
        .withElectionEvents(leaderWatch));
    o.start();
    return o;
  }

  /** The CR, its three pods as the StatefulSet controller would create them, and its replicas ready. */
  private void createClusterWithReadyPods() {
    CrawlerMaster cm = client.resource(crawlerMaster(ns, NAME, etcd.endpoint())).create();
    for (int i = 0; i < 3; i++) {
      createPod(cm, NAME + "-" + i);
    }
    await().atMost(TIMEOUT).until(() -> statefulSet() != null);
    StatefulSet sts = statefulSet();
    sts.setStatus(new StatefulSetStatusBuilder().withReplicas(3).withReadyReplicas(3).build());
    client.resource(sts).updateStatus();
  }

  private void createPod(CrawlerMaster cm, String name) {
    client.pods().inNamespace(ns).resource(new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).withLabels(MasterResources.labels(cm)).endMetadata()
        .build()).create();
  }

  private StatefulSet statefulSet() {
    return client.apps().statefulSets().inNamespace(ns).withName(NAME).get();
  }

  private String election() {
    return dev.crawler.api.KeyLayout.defaultFor(ns, NAME).election();
  }

  private TestingCandidate candidate(String pod, long ttl) throws Exception {
    TestingCandidate c = TestingCandidate.pod(etcdClient, election(), pod, ttl);
    candidates.add(c);
    return c;
  }

  private TestingCandidate raw(String value) throws Exception {
    TestingCandidate c = TestingCandidate.raw(etcdClient, election(), value, TTL);
    candidates.add(c);
    return c;
  }

  private void awaitCandidates(long n) {
    ByteSequence prefix = ByteSequence.from(election() + "/", StandardCharsets.UTF_8);
    GetOption count = GetOption.builder().isPrefix(true).withCountOnly(true).build();
    await().atMost(TIMEOUT).until(() -> etcdClient.getKVClient().get(prefix, count).get(30, TimeUnit.SECONDS).getCount() == n);
  }

  @FunctionalInterface
  private interface Action {
    void run() throws Exception;
  }

  /**
   * Runs {@code action} (a change in etcd), waits until the test's watch on the CR sees a status
   * matching {@code expected}, and prints how long that took after the action returned.
   */
  private CrawlerMasterStatus afterAction(String what, Action action, Predicate<CrawlerMasterStatus> expected)
      throws Exception {
    long before = System.nanoTime();
    action.run();
    long returned = System.nanoTime();
    await().atMost(TIMEOUT).until(() -> statuses.firstSince(before, expected) != null);
    StatusLog.Seen seen = statuses.firstSince(before, expected);
    System.out.printf("[leader-status] %-34s action returned -> status seen by test watch: %7.1f ms"
            + " (from action start %7.1f ms)%n",
        what, (seen.nanos() - returned) / 1e6, (seen.nanos() - before) / 1e6);
    return seen.status();
  }

  /** {@code pod} leads in the term of {@code c}; the term is asked only once the pod leads. */
  private static Predicate<CrawlerMasterStatus> leads(String pod, TestingCandidate c) {
    return s -> {
      try {
        return pod.equals(s.getLeader()) && Long.valueOf(c.term()).equals(s.getTerm());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }

  private static Predicate<CrawlerMasterStatus> electedReason(String reason) {
    return s -> condition(s, CrawlerMasterConditions.LEADER_ELECTED) != null
        && reason.equals(condition(s, CrawlerMasterConditions.LEADER_ELECTED).getReason());
  }

  private static Condition condition(CrawlerMasterStatus s, String type) {
    return CrawlerMasterConditions.find(s, type).orElse(null);
  }

  private CrawlerMasterStatus current() {
    return client.resources(CrawlerMaster.class).inNamespace(ns).withName(NAME).get().getStatus();
  }

  /** "type reason: message" of every Event on the CR. */
  private List<String> events() {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> NAME.equals(e.getInvolvedObject().getName()))
        .map(e -> e.getType() + " " + e.getReason() + ": " + e.getMessage())
        .toList();
  }

  private String leaderLabelled() {
    return roles.roles().entrySet().stream().filter(e -> RoleLabels.LEADER.equals(e.getValue()))
        .map(Map.Entry::getKey).findFirst().orElse(null);
  }

  @Test
  void statusFollowsEveryLeaderChangeWithTermTransitionsAndOneEventPerChange() throws Exception {
    createClusterWithReadyPods();
    await().atMost(TIMEOUT).until(() -> statuses.firstSince(0, electedReason("NoLeader")) != null);
    assertThat(condition(current(), "EtcdReachable").getStatus()).isEqualTo("True");
    assertThat(condition(current(), "Ready").getReason()).isEqualTo("NoLeader");

    TestingCandidate a = candidate("demo-0", TTL);
    CrawlerMasterStatus s = afterAction("first leader", () -> a.campaign().get(30, TimeUnit.SECONDS), st -> "demo-0".equals(st.getLeader()));
    assertThat(s.getTerm()).isEqualTo(a.term());
    assertThat(s.getLeaderAddress()).isEqualTo("demo-0.local:8080");
    assertThat(s.getLeaderTransitions()).isEqualTo(1L);
    assertThat(s.getLeaderSince()).isNotNull();
    assertThat(condition(s, "LeaderElected").getStatus()).isEqualTo("True");
    assertThat(condition(s, "LeaderElected").getMessage()).isEqualTo("demo-0 leads in term " + a.term());
    await().atMost(TIMEOUT).until(() -> "True".equals(condition(current(), "Ready").getStatus()));

    TestingCandidate b = candidate("demo-1", TTL);
    TestingCandidate c = candidate("demo-2", TTL);
    // One at a time, so the succession (order of create revisions) is known.
    b.campaign();
    awaitCandidates(2);
    c.campaign();
    awaitCandidates(3);

    s = afterAction("resign -> next candidate", a::resign, st -> "demo-1".equals(st.getLeader()));
    assertThat(s.getTerm()).isEqualTo(b.term());
    assertThat(s.getLeaderTransitions()).isEqualTo(2L);

    s = afterAction("crash (lease revoked)", b::crash, st -> "demo-2".equals(st.getLeader()));
    assertThat(s.getTerm()).isEqualTo(c.term());
    assertThat(s.getLeaderTransitions()).isEqualTo(3L);

    s = afterAction("last candidate gone -> no leader", c::crash, electedReason("NoLeader"));
    assertThat(s.getLeader()).isNull();
    assertThat(s.getLeaderAddress()).isNull();
    assertThat(s.getTerm()).isNull();
    assertThat(s.getLeaderSince()).isNull();
    assertThat(s.getLeaderTransitions()).isEqualTo(3L);
    assertThat(condition(s, "LeaderElected").getStatus()).isEqualTo("False");
    assertThat(condition(s, "Ready").getStatus()).isEqualTo("False");
    // Omitted, not "": a printer column or jsonpath shows nothing rather than an empty leader.
    @SuppressWarnings("unchecked")
    Map<String, Object> rawStatus = (Map<String, Object>) client.genericKubernetesResources("crawler.dev/v1alpha1", "CrawlerMaster")
        .inNamespace(ns).withName(NAME).get().getAdditionalProperties().get("status");
    assertThat(rawStatus).doesNotContainKeys("leader", "leaderAddress", "term", "leaderSince");

    TestingCandidate d = candidate("demo-0", TTL);
    s = afterAction("new leader after none", () -> d.campaign().get(30, TimeUnit.SECONDS), st -> "demo-0".equals(st.getLeader()));
    assertThat(s.getTerm()).isEqualTo(d.term());
    assertThat(s.getLeaderTransitions()).isEqualTo(4L);

    List<String> expected = List.of(
        "Normal LeaderElected: demo-0 became leader, term " + a.term(),
        "Normal LeaderElected: demo-1 became leader, term " + b.term(),
        "Normal LeaderElected: demo-2 became leader, term " + c.term(),
        "Warning NoLeader: no replica leads any more (last leader demo-2, term " + c.term() + ")",
        "Normal LeaderElected: demo-0 became leader, term " + d.term());
    await().atMost(TIMEOUT).until(() -> events().size() >= expected.size());
    // Lease renewals and label-triggered reconciles in the meantime must not add Events.
    Thread.sleep(2 * TTL * 1000);
    assertThat(events()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(current().getLeaderTransitions()).isEqualTo(4L);
  }

  @Test
  void roleLabelsMoveWithTheLeaderAndAreNeverOnTwoPodsAtOnce() throws Exception {
    createClusterWithReadyPods();
    await().atMost(TIMEOUT).until(() -> roles.roles().size() == 3
        && roles.roles().values().stream().allMatch(RoleLabels.FOLLOWER::equals));

    TestingCandidate a = candidate("demo-0", TTL);
    TestingCandidate b = candidate("demo-1", TTL);
    TestingCandidate c = candidate("demo-2", TTL);
    a.campaign().get(30, TimeUnit.SECONDS);
    b.campaign();
    awaitCandidates(2);
    c.campaign();
    awaitCandidates(3);
    await().atMost(TIMEOUT).until(() -> "demo-0".equals(leaderLabelled()));

    a.resign();
    await().atMost(TIMEOUT).until(() -> "demo-1".equals(leaderLabelled()));
    b.crash();
    await().atMost(TIMEOUT).until(() -> "demo-2".equals(leaderLabelled()));
    c.crash();
    await().atMost(TIMEOUT).until(() -> leaderLabelled() == null && current().getLeader() == null);
    assertThat(roles.roles()).containsOnlyKeys("demo-0", "demo-1", "demo-2")
        .allSatisfy((pod, role) -> assertThat(role).isEqualTo(RoleLabels.FOLLOWER));

    // The StatefulSet replaces a pod: the new one comes without labels and is labelled follower.
    client.pods().inNamespace(ns).withName("demo-1").delete();
    await().atMost(TIMEOUT).until(() -> !roles.roles().containsKey("demo-1"));
    CrawlerMaster cm = client.resources(CrawlerMaster.class).inNamespace(ns).withName(NAME).get();
    createPod(cm, "demo-1");
    await().atMost(TIMEOUT).until(() -> RoleLabels.FOLLOWER.equals(roles.roles().get("demo-1")));

    TestingCandidate again = candidate("demo-1", TTL);
    again.campaign().get(30, TimeUnit.SECONDS);
    await().atMost(TIMEOUT).until(() -> "demo-1".equals(leaderLabelled()));
    // The client Service selects the same label the operator sets.
    assertThat(client.services().inNamespace(ns).withName(NAME).get().getSpec().getSelector())
        .containsEntry(RoleLabels.ROLE_LABEL, RoleLabels.LEADER);
    assertThat(roles.violations()).isEmpty();
  }

  @Test
  void operatorRestartNeitherLosesNorDoubleCountsTransitions() throws Exception {
    createClusterWithReadyPods();
    TestingCandidate a = candidate("demo-0", TTL);
    TestingCandidate b = candidate("demo-1", TTL);
    TestingCandidate c = candidate("demo-2", TTL);
    afterAction("first leader", () -> a.campaign().get(30, TimeUnit.SECONDS), st -> "demo-0".equals(st.getLeader()));
    assertThat(current().getTerm()).isEqualTo(a.term());
    b.campaign();
    awaitCandidates(2);
    c.campaign();
    awaitCandidates(3);

    // Restart without a change: the new operator reads the same leader and counts nothing.
    operator.stop();
    int seenBefore = statuses.all().size();
    operator = startOperator();
    Thread.sleep(2 * TTL * 1000);
    assertThat(current().getLeaderTransitions()).isEqualTo(1L);
    assertThat(statuses.all().subList(seenBefore, statuses.all().size()))
        .allSatisfy(st -> assertThat(condition(st, "LeaderElected").getStatus()).isEqualTo("True"));

    afterAction("resign, seen by 2nd operator", a::resign, leads("demo-1", b));
    assertThat(current().getLeaderTransitions()).isEqualTo(2L);

    // A change while no operator runs is counted once by the next one.
    operator.stop();
    b.crash();
    awaitCandidates(1);
    operator = startOperator();
    await().atMost(TIMEOUT).until(() -> leads("demo-2", c).test(current()));
    assertThat(current().getLeaderTransitions()).isEqualTo(3L);
    await().atMost(TIMEOUT).until(() -> "demo-2".equals(leaderLabelled()));

    Thread.sleep(2 * TTL * 1000);
    assertThat(current().getLeaderTransitions()).isEqualTo(3L);
    assertThat(events()).containsExactlyInAnyOrder(
        "Normal LeaderElected: demo-0 became leader, term " + a.term(),
        "Normal LeaderElected: demo-1 became leader, term " + b.term(),
        "Normal LeaderElected: demo-2 became leader, term " + c.term());
    assertThat(roles.violations()).isEmpty();
  }

  @Test
  void foreignOrMalformedLeaderValueIsReportedNotFatalAndNoPodIsLabelled() throws Exception {
    createClusterWithReadyPods();
    TestingCandidate ours = candidate("demo-0", TTL);
    ours.campaign().get(30, TimeUnit.SECONDS);
    await().atMost(TIMEOUT).until(() -> "demo-0".equals(leaderLabelled()));
    ours.resign();

    TestingCandidate foreign = candidate("elsewhere-0", TTL);
    CrawlerMasterStatus s = afterAction("foreign replica leads", () -> foreign.campaign().get(30, TimeUnit.SECONDS),
        st -> "elsewhere-0".equals(st.getLeader()));
    assertThat(s.getTerm()).isEqualTo(foreign.term());
    Condition elected = condition(s, "LeaderElected");
    assertThat(elected.getStatus()).isEqualTo("False");
    assertThat(elected.getReason()).isEqualTo("UnknownLeader");
    assertThat(elected.getMessage()).contains("\"elsewhere-0\"").contains("not a pod of this cluster");
    await().atMost(TIMEOUT).until(() -> leaderLabelled() == null);

    TestingCandidate garbage = raw("not json");
    garbage.campaign();
    awaitCandidates(2);
    s = afterAction("malformed value leads", foreign::resign, st -> "not json".equals(st.getLeader()));
    assertThat(condition(s, "LeaderElected").getMessage()).contains("not a master replica's proposal");
    assertThat(s.getLeaderAddress()).isNull();
    assertThat(leaderLabelled()).isNull();

    TestingCandidate back = candidate("demo-2", TTL);
    back.campaign();
    awaitCandidates(2);
    s = afterAction("our replica leads again", garbage::crash, st -> "demo-2".equals(st.getLeader()));
    assertThat(condition(s, "LeaderElected").getStatus()).isEqualTo("True");
    await().atMost(TIMEOUT).until(() -> "demo-2".equals(leaderLabelled()));
    await().atMost(TIMEOUT).until(() -> events().stream().filter(e -> e.contains("UnknownLeader")).count() == 2);
    assertThat(roles.violations()).isEmpty();
  }

  @Test
  void etcdStoppedAndStartedAgainTurnsConditionsFalseThenTrueByItself() throws Exception {
    createClusterWithReadyPods();
    // A TTL longer than the outage: the leader's key survives the restart.
    TestingCandidate a = candidate("demo-0", 15);
    afterAction("first leader", () -> a.campaign().get(30, TimeUnit.SECONDS), st -> "demo-0".equals(st.getLeader()));
    await().atMost(TIMEOUT).until(() -> "True".equals(condition(current(), "Ready").getStatus()));

    CrawlerMasterStatus down = afterAction("etcd stopped -> unreachable", etcd::stop, electedReason("EtcdUnreachable"));
    Condition reachable = condition(down, "EtcdReachable");
    assertThat(reachable.getStatus()).isEqualTo("False");
    assertThat(reachable.getMessage()).startsWith("etcd " + etcd.endpoint() + ": ");
    assertThat(condition(down, "LeaderElected").getMessage()).isEqualTo(reachable.getMessage());
    assertThat(condition(down, "Ready").getStatus()).isEqualTo("False");
    assertThat(down.getLeader()).isEqualTo("demo-0");
    System.out.println("[leader-status] unreachable because: " + reachable.getMessage());
    // The operator cannot see etcd: it leaves the role labels as they were.
    assertThat(leaderLabelled()).isEqualTo("demo-0");

    CrawlerMasterStatus up = afterAction("etcd started -> reachable", etcd::start,
        st -> "True".equals(condition(st, "EtcdReachable").getStatus()));
    assertThat(condition(up, "LeaderElected").getStatus()).isEqualTo("True");
    assertThat(up.getTerm()).isEqualTo(a.term());
    assertThat(up.getLeaderTransitions()).isEqualTo(1L);
    await().atMost(TIMEOUT).until(() -> "True".equals(condition(current(), "Ready").getStatus()));
    await().atMost(TIMEOUT).until(() -> "demo-0".equals(leaderLabelled()));
    assertThat(events()).filteredOn(e -> e.contains("EtcdUnreachable")).hasSize(1);
  }

  /** Replaces the CR's endpoints, retrying when an operator status patch came in between. */
  private void setEndpoints(String... endpoints) {
    await().atMost(TIMEOUT).until(() -> {
      CrawlerMaster cm = client.resources(CrawlerMaster.class).inNamespace(ns).withName(NAME).get();
      cm.getSpec().getEtcd().setEndpoints(List.of(endpoints));
      try {
        client.resource(cm).update();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          return false;
        }
        throw e;
      }
    });
  }

  @Test
  void watchingStopsWhenTheSpecBecomesInvalidResumesWhenFixedAndStopsWhenDeleted() throws Exception {
    createClusterWithReadyPods();
    ResourceID id = new ResourceID(NAME, ns);
    await().atMost(TIMEOUT).until(() -> leaderWatch.watchedClusters().contains(id));

    setEndpoints(etcd.endpoint(), "http://etcd_0:2379");
    await().atMost(TIMEOUT).until(() -> "InvalidSpec".equals(condition(current(), "Ready").getReason()));
    await().atMost(TIMEOUT).until(() -> !leaderWatch.watchedClusters().contains(id));

    setEndpoints(etcd.endpoint());
    await().atMost(TIMEOUT).until(() -> leaderWatch.watchedClusters().contains(id));
    TestingCandidate a = candidate("demo-0", TTL);
    afterAction("leader after the spec was fixed", () -> a.campaign().get(30, TimeUnit.SECONDS), st -> "demo-0".equals(st.getLeader()));

    client.resources(CrawlerMaster.class).inNamespace(ns).withName(NAME).delete();
    await().atMost(TIMEOUT).until(() -> !leaderWatch.watchedClusters().contains(id));
  }
}
