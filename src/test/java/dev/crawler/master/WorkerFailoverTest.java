package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.MasterPaths;
import dev.crawler.election.Candidate;
import dev.crawler.testing.TestingMasterCluster;
import dev.crawler.testing.TestingMasterProcess;
import dev.crawler.testing.TestingWorker;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Workers come and go while masters fail over; etcd must end with every resource on exactly one live worker. */
@Tag("process")
@Tag("etcd")
class WorkerFailoverTest {
  private static final int TTL_SECONDS = 2;
  private static final int RESOURCES = 9;

  private TestingMasterCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void resourcesOfADeadWorkerAreReassignedAndNoneIsLostAcrossALeaderChange() throws Exception {
    cluster = TestingMasterCluster.start(2, TTL_SECONDS);
    TestingWorker w1 = cluster.registerWorker("w1");
    TestingWorker w2 = cluster.registerWorker("w2");
    TestingWorker w3 = cluster.registerWorker("w3");
    Candidate leader = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> true);
    TestingMasterProcess follower =
        cluster.masters().stream().filter(m -> !m.id().equals(leader.id())).findFirst().orElseThrow();
    for (int i = 0; i < RESOURCES; i++) {
      var created = follower.post(MasterPaths.RESOURCES, MasterFailoverTest.resource("r" + i));
      assertThat(created.status()).as(created.body()).isEqualTo(201);
    }
    Map<String, String> initial = awaitAllOnLiveWorkers(Set.of("w1", "w2", "w3"));
    System.out.println("initial assignment: " + initial + " loads " + loads(initial.values()));
    assertThat(loads(initial.values())).containsValues(3L, 3L, 3L);

    long start = System.nanoTime();
    w1.die();
    Map<String, String> afterW1 = awaitAllOnLiveWorkers(Set.of("w2", "w3"));
    System.out.printf("w1 died: re-assigned within %d ms: %s%n", (System.nanoTime() - start) / 1_000_000, afterW1);
    initial.forEach((name, worker) -> {
      if (!worker.equals("w1")) {
        assertThat(afterW1.get(name)).as("%s stays on its live worker", name).isEqualTo(worker);
      }
    });

    // A worker dies and another joins while the leader crashes: the next leader repairs it all.
    cluster.leaderProcess().signal("KILL");
    w2.die();
    TestingWorker w4 = cluster.registerWorker("w4");
    Candidate next = cluster.awaitLeaderInEtcd(Duration.ofSeconds(30), l -> l.term() != leader.term());
    Map<String, String> afterChange = awaitAllOnLiveWorkers(Set.of("w3", "w4"));
    System.out.println("after leader change to " + next.id() + ": " + afterChange
        + " loads " + loads(afterChange.values()));
    assertThat(afterChange.keySet()).hasSize(RESOURCES);
    assertThat(loads(afterChange.values()).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(RESOURCES);

    w3.close();
    w4.close();
  }

  private Map<String, String> awaitAllOnLiveWorkers(Set<String> live) {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(
        () -> MasterFailoverTest.assignmentInEtcd(cluster),
        a -> a.size() == RESOURCES && a.values().stream().allMatch(w -> w != null && live.contains(w)));
  }

  private static Map<String, Long> loads(Collection<String> workers) {
    Map<String, Long> loads = new TreeMap<>();
    workers.forEach(w -> loads.merge(w, 1L, Long::sum));
    return loads;
  }
}
