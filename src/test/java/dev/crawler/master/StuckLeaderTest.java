package dev.crawler.master;

import dev.crawler.api.Resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.KeyLayout;
import dev.crawler.api.MasterPaths;
import dev.crawler.election.Fence;
import dev.crawler.election.Candidate;
import dev.crawler.election.CandidateInfo;
import dev.crawler.master.leadership.LeaderWatchdog;
import dev.crawler.master.leadership.LeadershipLoop;
import dev.crawler.election.LeadershipLostException;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingMasterCluster;
import dev.crawler.testing.TestingMasterProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A leader whose keep-alives go on but whose leader work hangs steps down, leaves the election and
 * fails its liveness probe; an idle leader does not.
 */
class StuckLeaderTest {
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final KeyLayout LAYOUT = new KeyLayout("/crawler/test/stuck");

  private final List<AutoCloseable> closeLast = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeLast.size() - 1; i >= 0; i--) {
      closeLast.get(i).close();
    }
  }

  /** A replica built as {@link MasterReplica} builds one, but with the assigner's etcd reads hangable. */
  private record Replica(LeadershipLoop loop, ApiServer api, MasterMetrics metrics, AtomicReference<Fence> fence) {
    HttpResponse<String> probe(HttpClient http, String path) throws Exception {
      URI uri = URI.create("http://127.0.0.1:" + api.probePort().orElseThrow() + path);
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  private Replica replica(TestingEtcd etcd, String id, KV assignerKv) throws Exception {
    Client client = Client.builder().endpoints(etcd.endpoint()).build();
    closeLast.add(client);
    MasterMetrics metrics = new MasterMetrics();
    AtomicReference<Fence> fence = new AtomicReference<>();
    Assigner assigner = new Assigner(new ClusterStore(assignerKv == null ? client.getKVClient() : assignerKv, LAYOUT),
        client.getWatchClient());
    LeadershipLoop loop = new LeadershipLoop(client, LAYOUT.election(), new CandidateInfo(id, "127.0.0.1:1"), TTL,
        (f, heartbeat) -> {
          fence.set(f);
          assigner.lead(f, heartbeat);
        },
        metrics);
    metrics.bind(loop);
    ApiServer api = new ApiServer(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0), loop,
        new ClusterStore(client.getKVClient(), LAYOUT), metrics,
        new LeaderForwarder(loop, Peers.sameHost("127.0.0.1:1"), metrics), CrawlTargets.PUBLIC_ONLY);
    api.start();
    closeLast.add(api);
    closeLast.add(loop);
    loop.start();
    return new Replica(loop, api, metrics, fence);
  }

  /**
   * etcd's KV whose {@code txn()} blocks, once {@code hang} is set, until {@code release} opens,
   * ignoring interrupts: a call stuck for ever on I/O, the way a hung leader is stuck.
   */
  private static KV hangingKv(KV real, AtomicBoolean hang, CountDownLatch release) {
    return (KV) Proxy.newProxyInstance(KV.class.getClassLoader(), new Class<?>[] {KV.class}, (proxy, method, args) -> {
      if (method.getName().equals("txn") && hang.get()) {
        boolean interrupted = false;
        while (release.getCount() > 0) {
          try {
            release.await();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      try {
        return method.invoke(real, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    });
  }

  @Test
  @Tag("etcd")
  void aLeaderWhoseWorkHangsStepsDownAFollowerLeadsHealthzFailsAndEtcdRejectsItsWrites() throws Exception {
    TestingEtcd etcd = TestingEtcd.startNew();
    closeLast.add(etcd);
    Client admin = Client.builder().endpoints(etcd.endpoint()).build();
    closeLast.add(admin);
    AtomicBoolean hang = new AtomicBoolean();
    CountDownLatch release = new CountDownLatch(1);
    closeLast.add(release::countDown);

    Replica stuck = replica(etcd, "stuck", hangingKv(admin.getKVClient(), hang, release));
    await().atMost(Duration.ofSeconds(30)).until(() -> stuck.loop().role() == LeadershipLoop.Role.LEADER);
    Replica follower = replica(etcd, "follower", null);
    await().atMost(Duration.ofSeconds(30)).until(follower.loop()::isReady);
    assertThat(stuck.probe(http, MasterPaths.HEALTHZ).statusCode()).isEqualTo(200);
    long stuckTerm = stuck.fence().get().term();

    // The assigner's next read (a watch event or the periodic resync) never returns.
    hang.set(true);
    admin.getKVClient().put(bytes(LAYOUT.worker("w1")), bytes("{\"id\":\"w1\",\"address\":\"127.0.0.1:9\"}")).get(5, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(60)).until(() -> follower.loop().role() == LeadershipLoop.Role.LEADER);
    Candidate now = follower.loop().currentLeader(Duration.ofSeconds(5)).orElseThrow();
    assertThat(now.id()).isEqualTo("follower");
    assertThat(now.term()).isGreaterThan(stuckTerm);
    await().atMost(Duration.ofSeconds(30)).until(() -> stuck.loop().role() == LeadershipLoop.Role.STALLED);

    assertThat(stuck.loop().stall()).hasValueSatisfying(s -> {
      assertThat(s.term()).isEqualTo(stuckTerm);
      assertThat(s.stuckFor()).isGreaterThan(LeaderWatchdog.boundFor(TTL));
      assertThat(s.thread()).isEqualTo("leader-work-term-" + stuckTerm);
      assertThat(s.stackTop()).contains("StuckLeaderTest");
    });
    HttpResponse<String> healthz = stuck.probe(http, MasterPaths.HEALTHZ);
    assertThat(healthz.statusCode()).isEqualTo(503);
    assertThat(healthz.body()).contains("stalled").contains("term " + stuckTerm);
    assertThat(stuck.probe(http, MasterPaths.READYZ).statusCode()).isEqualTo(503);
    assertThat(stuck.metrics().scrape()).contains("crawler_master_leader_work_stalls_total 1.0");
    assertThat(follower.probe(http, MasterPaths.HEALTHZ).statusCode()).isEqualTo(200);
    assertThat(follower.metrics().scrape()).contains("crawler_master_leader_work_stalls_total 0.0");
    // It left the election: no key of its own is queued behind the new leader.
    assertThat(follower.loop().election().candidates().get(5, TimeUnit.SECONDS))
        .extracting(Candidate::id).containsExactly("follower");

    // Whatever the stuck leader still tries to write is refused: by its fence, and by etcd itself
    // for a write carrying its term's guard.
    release.countDown();
    ClusterStore stuckStore = new ClusterStore(admin.getKVClient(), LAYOUT);
    Resource late = new Resource("late", "https://example.com/late", null, 0);
    assertThatThrownBy(() -> stuckStore.create(stuck.fence().get(), late)).isInstanceOf(LeadershipLostException.class);
    boolean applied = admin.getKVClient().txn()
        .If(stuck.fence().get().guard())
        .Then(Op.put(bytes(LAYOUT.resource("late")), bytes("{\"name\":\"late\"}"), PutOption.DEFAULT))
        .commit().get(5, TimeUnit.SECONDS).isSucceeded();
    assertThat(applied).as("etcd applied a write of the stuck leader's term").isFalse();
    assertThat(admin.getKVClient().get(bytes(LAYOUT.resource("late"))).get(5, TimeUnit.SECONDS).getKvs()).isEmpty();
    // The new leader's writes land.
    assertThat(new ClusterStore(admin.getKVClient(), LAYOUT).create(follower.fence().get(), late))
        .isEqualTo(Fence.Outcome.APPLIED);
  }

  @Test
  @Tag("process")
  @Tag("etcd")
  void anIdleLeaderWithNoResourcesAndNoWorkersKeepsLeadingForThreeWatchdogBounds() throws Exception {
    try (TestingMasterCluster cluster = TestingMasterCluster.start(2, 2)) {
      Candidate first = cluster.awaitLeaderInEtcd(Duration.ofSeconds(30), l -> true);
      TestingMasterProcess leader = cluster.master(first.id());
      // Three times the watchdog's bound (5 s at this TTL); the assigner's periodic resync (2 s) alone
      // is as long as the TTL.
      long until = System.nanoTime() + 3 * LeaderWatchdog.boundFor(TTL).toNanos();
      while (System.nanoTime() < until) {
        Optional<Candidate> current = cluster.leaderInEtcd();
        assertThat(current).as("leader in etcd").hasValueSatisfying(l -> assertThat(l.term()).isEqualTo(first.term()));
        assertThat(leader.get(MasterPaths.HEALTHZ).status()).isEqualTo(200);
        Thread.sleep(200);
      }
      assertThat(leader.get(MasterPaths.METRICS).body()).contains("crawler_master_leader_work_stalls_total 0.0");
      assertThat(leader.log()).doesNotContain("made no progress");
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
