package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.MasterPaths;
import dev.crawler.election.Election;
import dev.crawler.support.Json;
import dev.crawler.election.Candidate;
import dev.crawler.testing.TestingElectionHistory;
import dev.crawler.testing.TestingMasterCluster;
import dev.crawler.testing.TestingMasterProcess;
import dev.crawler.testing.TestingPrometheusText;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The dead-leader detectors with real master processes, real signals and a real etcd. Timings are
 * only asserted against what the lease TTL makes structurally impossible (a takeover by expiry
 * before the lease could have expired, or a revoke before it could have); the figures are in the
 * bench ({@code crash_ms.fast}).
 */
@Tag("process")
@Tag("etcd")
class FastFailoverTest {
  private static final String REVOCATIONS = "crawler_master_lease_revocations_total";
  private static final List<String> PROBE_ONLY = List.of("--revoke-previous-lease=false");
  private static final List<String> CLEANUP_ONLY = List.of("--probe-leader=false");

  private TestingMasterCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private static double revocations(TestingMasterProcess m, String cause) throws Exception {
    String text = m.get(MasterPaths.METRICS).body();
    return TestingPrometheusText.parse(text).value(REVOCATIONS, Map.of("cause", cause)).orElse(0.0);
  }

  private double revocationsByLiveReplicas(String cause) throws Exception {
    double sum = 0;
    for (TestingMasterProcess m : cluster.masters()) {
      if (m.isAlive() && m.tryGet(MasterPaths.READYZ).isPresent()) {
        sum += revocations(m, cause);
      }
    }
    return sum;
  }

  private static String role(TestingMasterProcess m) throws Exception {
    return Json.MAPPER.readTree(m.get(MasterPaths.LEADER).body()).path("role").asText();
  }

  @Test
  void sigkilledLeaderIsReplacedLongBeforeItsLeaseCouldExpire() throws Exception {
    // TTL 10 s: the lease outlives the kill by at least 7.5 s (keep-alives every TTL/4), so a
    // leader within 5 s can only come from a follower's probe and revoke.
    cluster = TestingMasterCluster.start(3, 10, PROBE_ONLY);
    Candidate old = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> true);
    // Followers count only after the leader's port once accepted: give them a probe or two.
    Thread.sleep(1000);

    long start = System.nanoTime();
    cluster.master(old.id()).signal("KILL");
    Candidate next = cluster.awaitLeaderInEtcd(Duration.ofSeconds(5), l -> l.term() != old.term());
    System.out.printf("SIGKILL with probes: %s -> %s after %d ms (lease TTL 10 s)%n",
        old.id(), next.id(), millisSince(start));

    assertThat(next.id()).isNotEqualTo(old.id());
    await().atMost(Duration.ofSeconds(10)).until(() -> role(cluster.master(next.id())).equals("leader"));
    assertThat(revocationsByLiveReplicas("leader_port_refused")).isGreaterThanOrEqualTo(1);
    assertThat(revocationsByLiveReplicas("previous_incarnation")).isZero();
  }

  @Test
  void stoppedLeaderKeepsItsLeaseUntilTheTtlAndCannotWriteWhenResumed() throws Exception {
    int ttl = 6;
    cluster = TestingMasterCluster.start(3, ttl, PROBE_ONLY);
    cluster.registerWorker("w-a");
    Candidate old = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> true);
    TestingMasterProcess oldProcess = cluster.master(old.id());
    await().atMost(Duration.ofSeconds(10)).until(() -> role(oldProcess).equals("leader"));
    for (int i = 0; i < 3; i++) {
      assertThat(oldProcess.post(MasterPaths.RESOURCES, MasterFailoverTest.resource("r" + i)).status()).isEqualTo(201);
    }
    Thread.sleep(1000);

    long start = System.nanoTime();
    oldProcess.signal("STOP");
    Candidate next;
    long replacedAfter;
    try {
      // A stopped JVM's listening socket still completes handshakes: followers get no refusal.
      next = cluster.awaitLeaderInEtcd(Duration.ofSeconds(30), l -> l.term() != old.term());
      replacedAfter = millisSince(start);
      System.out.printf("SIGSTOP with probes: %s replaced by %s after %d ms (lease TTL %d s)%n",
          old.id(), next.id(), replacedAfter, ttl);
      assertThat(revocationsByLiveReplicas("leader_port_refused")).as("revokes of a stopped leader").isZero();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> role(cluster.master(next.id())).equals("leader"));
      assertThat(cluster.master(next.id()).post(MasterPaths.RESOURCES, MasterFailoverTest.resource("r-next")).status())
          .isEqualTo(201);
    } finally {
      oldProcess.signal("CONT");
    }
    // Keep-alives go out every TTL/4, so the lease had about 3/4 of the TTL left at the stop; half the
    // TTL leaves room for a keep-alive delayed by a busy machine and still rules out a revoke (~0.3 s).
    assertThat(replacedAfter).as("replaced by expiry, not by a revoke").isGreaterThanOrEqualTo(ttl * 500L);

    var racing = oldProcess.post(MasterPaths.RESOURCES, MasterFailoverTest.resource("after-resume"));
    assertThat(racing.servedBy()).isNotEqualTo(old.id());
    await().atMost(Duration.ofSeconds(20)).until(() -> oldProcess.log().contains("stepped down (term " + old.term()));
    assertFencedWritesOnly(old.term());
  }

  @Test
  void mistakenRevokeOfALiveLeaderCostsOneElectionAndNoStaleWrite() throws Exception {
    cluster = TestingMasterCluster.start(3, 10, PROBE_ONLY);
    cluster.registerWorker("w-a");
    cluster.registerWorker("w-b");
    Candidate old = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> true);
    TestingMasterProcess oldProcess = cluster.master(old.id());
    await().atMost(Duration.ofSeconds(10)).until(() -> role(oldProcess).equals("leader"));

    // Keep the leader writing while its lease is revoked under it.
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger created = new AtomicInteger();
    Thread writer = new Thread(() -> {
      for (int i = 0; writing.get(); i++) {
        try {
          if (oldProcess.post(MasterPaths.RESOURCES, MasterFailoverTest.resource("w" + i)).status() == 201) {
            created.incrementAndGet();
          }
        } catch (Exception e) {
          // a request during the election may fail; the history below is the proof
        }
      }
    });
    writer.start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> created.get() >= 5);
      // Exactly what a follower does on (here: false) evidence.
      Optional<Long> revoked;
      try (var client = io.etcd.jetcd.Client.builder().endpoints(cluster.etcd().endpoint()).build()) {
        revoked = new Election(client, cluster.layout().election()).revokeIfStill(old).get(5, TimeUnit.SECONDS);
      }
      assertThat(revoked).isPresent();
      long start = System.nanoTime();
      Candidate next = cluster.awaitLeaderInEtcd(Duration.ofSeconds(5), l -> l.term() != old.term());
      System.out.printf("revoked live leader %s: %s leads after %d ms%n",
          old.id(), next.id(), millisSince(start));
      await().atMost(Duration.ofSeconds(10)).until(() -> oldProcess.log().contains("stepped down (term " + old.term()));
      Thread.sleep(1000);
    } finally {
      writing.set(false);
      writer.join(15_000);
    }
    System.out.println("resources created through the old leader: " + created.get());
    assertThat(oldProcess.isAlive()).isTrue();
    assertFencedWritesOnly(old.term());
  }

  @Test
  void restartedReplicaRevokesTheLeaseItsEarlierRunLeftBehind() throws Exception {
    // TTL 30 s: the killed leader's lease lives at least 22.5 s after the kill; probes are off, so a
    // leader within 20 s (a JVM start on a busy machine included) can only come from the restarted
    // replica's clean-up.
    cluster = TestingMasterCluster.start(2, 30, CLEANUP_ONLY);
    Candidate old = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> true);

    long start = System.nanoTime();
    cluster.master(old.id()).signal("KILL");
    TestingMasterProcess restarted = cluster.restartMaster(old.id());
    Candidate next = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> l.term() != old.term());
    System.out.printf("SIGKILL + restart of %s: %s leads after %d ms (lease TTL 30 s)%n",
        old.id(), next.id(), millisSince(start));

    assertThat(next.id()).as("the waiting follower, not the restarted replica").isNotEqualTo(old.id());
    restarted.awaitReady(Duration.ofSeconds(30));
    assertThat(revocations(restarted, "previous_incarnation")).isEqualTo(1);
    assertThat(revocationsByLiveReplicas("leader_port_refused")).isZero();
  }

  /** Every resource write in etcd's history landed while the leader key of the term that made it existed. */
  private void assertFencedWritesOnly(long oldTerm) throws Exception {
    Map<Long, Long> keyDeletedAt =
        TestingElectionHistory.leaderKeyLifetimes(cluster.client(), cluster.layout().election());
    List<long[]> writes = TestingElectionHistory.writes(cluster.client(), cluster.layout().resourcesDir());
    System.out.println("leader terms -> revision their key was deleted: " + keyDeletedAt);
    assertThat(keyDeletedAt).containsKey(oldTerm);
    assertThat(keyDeletedAt.get(oldTerm)).isLessThan(Long.MAX_VALUE);
    assertThat(writes).anySatisfy(w -> assertThat(w[0]).isEqualTo(oldTerm));
    assertThat(writes).allSatisfy(w -> {
      assertThat(keyDeletedAt).as("write of term %d at %d comes from a known leader", w[0], w[1]).containsKey(w[0]);
      assertThat(w[1]).as("write of term %d lands before its leader key is deleted", w[0])
          .isLessThan(keyDeletedAt.get(w[0]));
    });
  }
}
