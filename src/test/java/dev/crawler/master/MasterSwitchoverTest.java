package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crawler.api.MasterPaths;
import dev.crawler.election.Election;
import dev.crawler.election.Candidate;
import dev.crawler.testing.TestingElectionHistory;
import dev.crawler.testing.TestingMasterCluster;
import dev.crawler.testing.TestingMasterProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Planned leader changes with real master processes against a real etcd. */
@Tag("process")
@Tag("etcd")
class MasterSwitchoverTest {
  private static final int TTL_SECONDS = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestingMasterCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private List<Candidate> queue() throws Exception {
    return new Election(cluster.client(), cluster.layout().election()).candidates().get(2, TimeUnit.SECONDS);
  }

  private static String body(String candidate) {
    return "{\"candidate\":\"" + candidate + "\"}";
  }

  /** The follower queued last: every other follower must step behind it. */
  private Candidate lastInQueue() throws Exception {
    List<Candidate> q = queue();
    return q.get(q.size() - 1);
  }

  private void awaitAllAgreeOnLeader(String leaderId) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      for (TestingMasterProcess m : cluster.masters()) {
        if (m.isAlive()) {
          JsonNode view = JSON.readTree(m.get(MasterPaths.LEADER).body());
          assertThat(view.path("leader").path("id").asText()).as("leader seen by %s", m.id()).isEqualTo(leaderId);
          assertThat(view.path("role").asText()).isEqualTo(m.id().equals(leaderId) ? "leader" : "follower");
        }
      }
    });
  }

  @Test
  void switchoverSentToAFollowerMakesTheNamedFollowerLeadWhoeverIsQueuedBeforeIt() throws Exception {
    cluster = TestingMasterCluster.start(3, 30);
    Candidate old = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> true);
    await().atMost(Duration.ofSeconds(20)).until(() -> queue().size() == 3);
    Candidate target = lastInQueue();
    TestingMasterProcess other = cluster.masters().stream()
        .filter(m -> !m.id().equals(old.id()) && !m.id().equals(target.id())).findFirst().orElseThrow();

    long start = System.nanoTime();
    var answer = other.post(MasterPaths.SWITCHOVER, body(target.id()));
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("switchover %s -> %s (asked %s): %s after %d ms%n", old.id(), target.id(), other.id(), answer, millis);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.servedBy()).isEqualTo(old.id());
    JsonNode json = JSON.readTree(answer.body());
    Candidate now = cluster.leaderInEtcd().orElseThrow();
    assertThat(now.id()).isEqualTo(target.id());
    assertThat(json.path("leader").asText()).isEqualTo(target.id());
    assertThat(json.path("term").asLong()).isEqualTo(now.term()).isEqualTo(target.term());
    assertThat(json.path("previousLeader").asText()).isEqualTo(old.id());
    awaitAllAgreeOnLeader(target.id());
    // The follower that stepped behind and the old leader campaign again: all three stay candidates.
    await().atMost(Duration.ofSeconds(20)).until(() -> queue().size() == 3);
    for (TestingMasterProcess m : cluster.masters()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> m.get(MasterPaths.READYZ).status() == 200);
    }
    assertThat(cluster.master(other.id()).log()).doesNotContain("became leader");
  }

  @Test
  void switchoverWithoutACandidateHandsOverToTheNextReadyFollower() throws Exception {
    cluster = TestingMasterCluster.start(3, 30);
    Candidate old = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> true);
    await().atMost(Duration.ofSeconds(20)).until(() -> queue().size() == 3);
    Candidate next = queue().get(1);

    var answer = cluster.master(old.id()).post(MasterPaths.SWITCHOVER, "");
    assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
    assertThat(cluster.leaderInEtcd().orElseThrow().key()).isEqualTo(next.key());
  }

  @Test
  void switchoverToAnUnknownReplicaOrWithABadBodyChangesNothing() throws Exception {
    cluster = TestingMasterCluster.start(3, 30);
    Candidate old = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> true);
    await().atMost(Duration.ofSeconds(20)).until(() -> queue().size() == 3);
    List<Candidate> before = queue();
    TestingMasterProcess follower = cluster.masters().stream().filter(m -> !m.id().equals(old.id())).findFirst().orElseThrow();

    var unknown = follower.post(MasterPaths.SWITCHOVER, body("m-99"));
    assertThat(unknown.status()).as(unknown.toString()).isEqualTo(404);
    assertThat(unknown.body()).contains("m-99");
    var bad = follower.post(MasterPaths.SWITCHOVER, "{\"candidate\":7}");
    assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
    var self = follower.post(MasterPaths.SWITCHOVER, body(old.id()));
    assertThat(self.status()).as(self.toString()).isEqualTo(409);
    assertThat(follower.request("GET", MasterPaths.SWITCHOVER, null).status()).isEqualTo(405);

    assertThat(queue()).as("same keys, same terms, same order").isEqualTo(before);
    for (TestingMasterProcess m : cluster.masters()) {
      assertThat(m.log()).doesNotContain("stepped down").doesNotContain("left the campaign");
    }
  }

  @Test
  void switchoverToAStoppedFollowerIsRefusedAndTheLeaderKeepsLeading() throws Exception {
    cluster = TestingMasterCluster.start(3, 30);
    Candidate old = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> true);
    await().atMost(Duration.ofSeconds(20)).until(() -> queue().size() == 3);
    Candidate target = lastInQueue();
    TestingMasterProcess stopped = cluster.master(target.id());
    stopped.signal("STOP");
    try {
      var answer = cluster.master(old.id()).post(MasterPaths.SWITCHOVER, body(target.id()));
      assertThat(answer.status()).as(answer.toString()).isEqualTo(409);
      assertThat(answer.body()).contains("not ready");
    } finally {
      stopped.signal("CONT");
    }
    Candidate now = cluster.leaderInEtcd().orElseThrow();
    assertThat(now.key()).isEqualTo(old.key());
  }

  @Test
  void targetKilledDuringTheSwitchoverLeavesALeaderWithinTheTtlAndNoStaleWrite() throws Exception {
    // Followers' probes off: the dead target's key goes only with its lease, the slowest path.
    cluster = TestingMasterCluster.start(3, TTL_SECONDS, List.of("--probe-leader=false", "--revoke-previous-lease=false"));
    cluster.registerWorker("w-a");
    cluster.registerWorker("w-b");
    Candidate old = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> true);
    await().atMost(Duration.ofSeconds(20)).until(() -> queue().size() == 3);
    Candidate target = lastInQueue();
    TestingMasterProcess oldProcess = cluster.master(old.id());

    // Writes keep going to the old leader through the whole switchover.
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger created = new AtomicInteger();
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      for (int i = 0; writing.get(); i++) {
        try {
          if (oldProcess.post(MasterPaths.RESOURCES, MasterFailoverTest.resource("r" + i)).status() == 201) {
            created.incrementAndGet();
          }
        } catch (Exception e) {
          // a refused or failed write is fine; only writes that landed are checked
        }
      }
    });
    await().until(() -> created.get() >= 3);
    CompletableFuture<TestingMasterProcess.Response> switchover = CompletableFuture.supplyAsync(() -> {
      try {
        return oldProcess.post(MasterPaths.SWITCHOVER, body(target.id()));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    // Kill the target the moment the old leader's resign lands: etcd names the target leader, its
    // process is gone, and only its lease's expiry can end that term.
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
        .until(() -> queue().stream().noneMatch(l -> l.key().equals(old.key())));
    cluster.master(target.id()).signal("KILL");
    long killed = System.nanoTime();
    var answer = switchover.get(20, TimeUnit.SECONDS);
    assertThat(answer.status()).as(answer.toString()).isIn(200, 504);
    Candidate after = cluster.awaitLeaderInEtcd(
        Duration.ofSeconds(30), l -> !l.id().equals(target.id()) && cluster.master(l.id()).isAlive());
    long millis = (System.nanoTime() - killed) / 1_000_000;
    System.out.printf("target %s killed during the switchover: answer %s; %s leads (term %d) %d ms after the kill%n",
        target.id(), answer, after.id(), after.term(), millis);
    assertThat(millis).as("a leader within the lease TTL (plus a campaign)").isLessThan(TTL_SECONDS * 1000L + 1000);
    writing.set(false);
    writer.get(20, TimeUnit.SECONDS);
    Thread.sleep(TTL_SECONDS * 1000L);

    Map<Long, Long> keyDeletedAt = TestingElectionHistory.leaderKeyLifetimes(cluster.client(), cluster.layout().election());
    List<long[]> writes = TestingElectionHistory.writes(cluster.client(), cluster.layout().resourcesDir());
    assertThat(writes).anySatisfy(w -> assertThat(w[0]).isEqualTo(old.term()));
    assertThat(writes).allSatisfy(w -> {
      assertThat(keyDeletedAt).as("write of term %d at %d comes from a known leader", w[0], w[1]).containsKey(w[0]);
      assertThat(w[1]).as("write of term %d lands before its leader key is deleted", w[0]).isLessThan(keyDeletedAt.get(w[0]));
    });
  }
}
