package dev.crawler.operator.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.KeyLayout;
import dev.crawler.etcd.Backoff;
import dev.crawler.election.ElectionState;
import dev.crawler.etcd.EtcdCredentials;
import dev.crawler.election.Candidate;
import dev.crawler.testing.TestingCandidate;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingEventHandler;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("etcd")
class ElectionEventSourceTest {
  private static final long TTL = 2;
  private static final Duration AWAIT = Duration.ofSeconds(30);

  private TestingEtcd etcd;
  private Client candidates;
  private EtcdClients clients;
  private ElectionEventSource source;
  private TestingEventHandler<Optional<ElectionState>> handler;
  private final List<TestingCandidate> started = new ArrayList<>();

  private final ResourceID id = new ResourceID("demo", "ns");
  private final KeyLayout layout = KeyLayout.defaultFor("ns", "demo");

  @BeforeEach
  void setUp() throws Exception {
    etcd = TestingEtcd.startNew();
    candidates = Client.builder().endpoints(etcd.endpoint()).build();
    clients = new EtcdClients();
    source =
        new ElectionEventSource(
            clients, Clock.systemUTC(), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)),
            Duration.ofSeconds(2), Duration.ofSeconds(3));
    handler = new TestingEventHandler<>(e -> source.observation(e.getRelatedCustomResourceID()));
    source.setEventHandler(handler);
    source.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    source.stop();
    started.forEach(TestingCandidate::close);
    candidates.close();
    etcd.close();
  }

  private TestingCandidate pod(String name, long ttl) throws Exception {
    TestingCandidate c = TestingCandidate.pod(candidates, layout.election(), name, ttl);
    started.add(c);
    return c;
  }

  private ElectionState awaitTrigger(int count, long sinceNanos, String what) {
    await().atMost(AWAIT).until(() -> handler.count() >= count);
    TestingEventHandler.Call<Optional<ElectionState>> call = handler.calls().get(count - 1);
    ElectionState o = call.snapshot().orElseThrow();
    String watchEvent = o.seenAtNanos() >= sinceNanos
        ? String.format("%6.1f ms", (o.seenAtNanos() - sinceNanos) / 1e6)
        : "(re-read begun earlier)";
    System.out.printf(
        "[leader-watch] %-30s change -> seen by watcher %s, -> event handler %6.1f ms%n",
        what, watchEvent, (call.nanos() - sinceNanos) / 1e6);
    return o;
  }

  private void awaitCandidates(long n) {
    ByteSequence prefix = ByteSequence.from(layout.election() + "/", StandardCharsets.UTF_8);
    GetOption count = GetOption.builder().isPrefix(true).withCountOnly(true).build();
    await().atMost(AWAIT).until(
        () -> candidates.getKVClient().get(prefix, count).get(30, TimeUnit.SECONDS).getCount() == n);
  }

  private static String describe(ElectionState o) {
    if (!o.etcdReachable()) {
      return "unreachable";
    }
    return o.hasLeader() ? o.leader().flatMap(Candidate::info).map(i -> i.id()).orElse("?") + "@" + o.term() : "none";
  }

  @Test
  void reportsEveryLeaderChangeOnceAndNothingForKeepAlivesOrNewCandidates() throws Exception {
    long t = System.nanoTime();
    ensureWatching(source, id, List.of(etcd.endpoint()), layout);
    ElectionState first = awaitTrigger(1, t, "first read (no leader)");
    assertThat(first.hasLeader()).isFalse();
    assertThat(first.etcdReachable()).isTrue();

    TestingCandidate a = pod("demo-0", TTL);
    t = System.nanoTime();
    a.campaign();
    ElectionState o = awaitTrigger(2, t, "first leader");
    assertThat(o.leader().flatMap(Candidate::info)).hasValueSatisfying(i -> assertThat(i.id()).isEqualTo("demo-0"));
    assertThat(o.leader().flatMap(Candidate::info).get().address()).isEqualTo("demo-0.local:8080");
    assertThat(o.term()).isEqualTo(a.term());
    assertThat(o.leader().orElseThrow().key()).startsWith(layout.election() + "/");

    TestingCandidate b = pod("demo-1", TTL);
    TestingCandidate c = pod("demo-2", TTL);
    // One at a time, so the order of their create revisions (the succession) is known.
    b.campaign();
    awaitCandidates(2);
    c.campaign();
    awaitCandidates(3);
    // New candidates put keys (watch events, re-reads) and every lease is renewed several times:
    // none of that is a leader change.
    Thread.sleep(3 * TTL * 1000);
    assertThat(a.keepAlivesSoFar()).isGreaterThan(2);
    assertThat(b.keepAlivesSoFar()).isGreaterThan(2);
    assertThat(handler.count()).isEqualTo(2);

    t = System.nanoTime();
    a.resign();
    o = awaitTrigger(3, t, "resign -> next candidate");
    assertThat(o.leader().flatMap(Candidate::info).orElseThrow().id()).isEqualTo("demo-1");
    assertThat(o.term()).isEqualTo(b.term()).isGreaterThan(a.term());

    t = System.nanoTime();
    b.crash();
    o = awaitTrigger(4, t, "crash (lease revoked)");
    assertThat(o.leader().flatMap(Candidate::info).orElseThrow().id()).isEqualTo("demo-2");
    assertThat(o.term()).isEqualTo(c.term());

    t = System.nanoTime();
    c.crash();
    o = awaitTrigger(5, t, "last candidate gone");
    assertThat(o.hasLeader()).isFalse();
    assertThat(o.etcdReachable()).isTrue();

    TestingCandidate d = pod("demo-3", TTL);
    t = System.nanoTime();
    d.campaign();
    o = awaitTrigger(6, t, "new leader");
    assertThat(o.leader().flatMap(Candidate::info).orElseThrow().id()).isEqualTo("demo-3");
    assertThat(o.term()).isEqualTo(d.term());

    Thread.sleep(2 * TTL * 1000);
    List<String> seen =
        handler.calls().stream().map(call -> describe(call.snapshot().orElseThrow())).toList();
    assertThat(seen)
        .containsExactly(
            "none",
            "demo-0@" + a.term(),
            "demo-1@" + b.term(),
            "demo-2@" + c.term(),
            "none",
            "demo-3@" + d.term());
    assertThat(handler.calls()).allSatisfy(
        call -> assertThat(call.event().getRelatedCustomResourceID()).isEqualTo(id));
  }

  @Test
  void foreignOrMalformedLeaderValueIsReportedAsIs() throws Exception {
    ensureWatching(source, id, List.of(etcd.endpoint()), layout);
    await().atMost(AWAIT).until(() -> handler.count() == 1);

    TestingCandidate foreign =
        TestingCandidate.raw(candidates, layout.election(), "{\"owner\":\"backup-job\"}", TTL);
    started.add(foreign);
    foreign.campaign();
    await().atMost(AWAIT).until(() -> handler.count() == 2);
    ElectionState o = source.observation(id).orElseThrow();
    assertThat(o.hasLeader()).isTrue();
    assertThat(o.leader().orElseThrow().value()).isEqualTo("{\"owner\":\"backup-job\"}");
    assertThat(o.leader().flatMap(Candidate::info)).isEmpty();
    assertThat(o.term()).isEqualTo(foreign.term());

    TestingCandidate garbage = TestingCandidate.raw(candidates, layout.election(), "not json", TTL);
    started.add(garbage);
    garbage.campaign();
    awaitCandidates(2);
    foreign.resign();
    await().atMost(AWAIT).until(() -> handler.count() == 3);
    o = source.observation(id).orElseThrow();
    assertThat(o.leader().orElseThrow().value()).isEqualTo("not json");
    assertThat(o.leader().flatMap(Candidate::info)).isEmpty();

    TestingCandidate ours = pod("demo-0", TTL);
    ours.campaign();
    awaitCandidates(2);
    garbage.crash();
    await().atMost(AWAIT).until(() -> handler.count() == 4);
    assertThat(source.observation(id).orElseThrow().leader().flatMap(Candidate::info).orElseThrow().id())
        .isEqualTo("demo-0");
  }

  @Test
  void etcdRestartShowsUnreachableThenRecoversByItself() throws Exception {
    // A TTL longer than the outage: the leader's key survives the restart.
    TestingCandidate a = pod("demo-0", 15);
    a.campaign().get(30, TimeUnit.SECONDS);
    ensureWatching(source, id, List.of(etcd.endpoint()), layout);
    await().atMost(AWAIT).until(() -> handler.count() == 1);
    assertThat(describe(source.observation(id).orElseThrow())).isEqualTo("demo-0@" + a.term());

    long t = System.nanoTime();
    etcd.stop();
    ElectionState down = awaitTrigger(2, t, "etcd stopped -> unreachable");
    assertThat(down.etcdReachable()).isFalse();
    assertThat(down.error()).isNotBlank();
    System.out.println("[leader-watch] unreachable because: " + down.error());

    Thread.sleep(1500); // a few failed re-subscriptions with backoff
    assertThat(handler.count()).isEqualTo(2);

    etcd.start();
    t = System.nanoTime();
    ElectionState back = awaitTrigger(3, t, "etcd healthy -> recovered");
    assertThat(back.etcdReachable()).isTrue();
    assertThat(describe(back)).isEqualTo("demo-0@" + a.term());

    // The watch is live again: a change after the restart is seen.
    TestingCandidate b = pod("demo-1", TTL);
    b.campaign();
    awaitCandidates(2);
    t = System.nanoTime();
    a.crash();
    ElectionState next = awaitTrigger(4, t, "crash after etcd restart");
    assertThat(describe(next)).isEqualTo("demo-1@" + b.term());
  }

  @Test
  void clustersOnTheSameEndpointsShareOneClientUntilTheLastStops() throws Exception {
    ResourceID other = new ResourceID("other", "ns");
    KeyLayout otherLayout = KeyLayout.defaultFor("ns", "other");
    ensureWatching(source, id, List.of(etcd.endpoint()), layout);
    ensureWatching(source, other, List.of(etcd.endpoint() + "/"), otherLayout);
    await().atMost(AWAIT).until(() -> handler.count() == 2);
    assertThat(clients.openClients()).isEqualTo(1);

    // Same arguments again: no new watch, no new trigger.
    ensureWatching(source, id, List.of(etcd.endpoint()), layout);

    TestingCandidate otherLeader =
        TestingCandidate.pod(candidates, otherLayout.election(), "other-0", TTL);
    started.add(otherLeader);
    otherLeader.campaign().get(30, TimeUnit.SECONDS);
    await().atMost(AWAIT).until(() -> handler.count() == 3);
    assertThat(handler.last().event().getRelatedCustomResourceID()).isEqualTo(other);
    assertThat(source.observation(id).orElseThrow().hasLeader()).isFalse();

    // A changed layout restarts the watch, which reports the other election's leader.
    ensureWatching(source, id, List.of(etcd.endpoint()), otherLayout);
    await().atMost(AWAIT).until(() -> handler.count() == 4);
    assertThat(handler.last().event().getRelatedCustomResourceID()).isEqualTo(id);
    assertThat(source.observation(id).orElseThrow().term()).isEqualTo(otherLeader.term());

    source.stopWatching(id);
    assertThat(source.observation(id)).isEmpty();
    await().atMost(AWAIT).until(() -> clients.openClients() == 1);
    source.stopWatching(other);
    await().atMost(AWAIT).until(() -> clients.openClients() == 0);
    assertThat(source.watchedClusters()).isEmpty();
    System.out.println("[leader-watch] triggers: " + handler.calls().stream()
        .map(c -> c.event().getRelatedCustomResourceID().getName())
        .collect(Collectors.joining(",")));
  }

  @Test
  void aReconcileFinishingAfterTheDeletionStartsNoWatch() throws Exception {
    ensureWatching(source, id, List.of(etcd.endpoint()), layout, () -> false);
    assertThat(source.watchedClusters()).isEmpty();
    assertThat(source.observation(id)).isEmpty();
    assertThat(clients.openClients()).isZero();
  }

  @Test
  void twoNamesForOneEtcdHaveTheSameClusterIdAndAnotherEtcdADifferentOne() throws Exception {
    String byIp = etcd.endpoint();
    String byName = byIp.replace("127.0.0.1", "localhost");
    ensureWatching(source, new ResourceID("by-ip", "ns"), List.of(byIp), layout);
    ensureWatching(source, new ResourceID("by-name", "ns"), List.of(byName), KeyLayout.defaultFor("ns", "other"));
    try (TestingEtcd another = TestingEtcd.startNew()) {
      ensureWatching(source, new ResourceID("elsewhere", "ns"), List.of(another.endpoint()), layout);
      await().atMost(AWAIT).until(() -> source.etcdClusterId(List.of(byIp)).isPresent()
          && source.etcdClusterId(List.of(byName)).isPresent()
          && source.etcdClusterId(List.of(another.endpoint())).isPresent());

      assertThat(source.etcdClusterId(List.of(byName))).isEqualTo(source.etcdClusterId(List.of(byIp)));
      assertThat(source.etcdClusterId(List.of(another.endpoint()))).isNotEqualTo(source.etcdClusterId(List.of(byIp)));
      source.stopWatching(new ResourceID("elsewhere", "ns"));
    }
  }

  /** Without credentials, for a CrawlerMaster that exists. */
  private static void ensureWatching(ElectionEventSource source, ResourceID id, List<String> endpoints, KeyLayout layout) {
    ensureWatching(source, id, endpoints, layout, () -> true);
  }

  private static void ensureWatching(
      ElectionEventSource source, ResourceID id, List<String> endpoints, KeyLayout layout, BooleanSupplier stillExists) {
    source.ensureWatching(id, endpoints, layout, EtcdCredentials.NONE, stillExists);
  }
}
