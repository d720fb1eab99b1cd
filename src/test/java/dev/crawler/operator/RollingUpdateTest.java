package dev.crawler.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.api.ElectionSpec;
import dev.crawler.etcd.Backoff;
import dev.crawler.election.Election;
import dev.crawler.election.ElectionState;
import dev.crawler.election.Candidate;
import dev.crawler.election.Observation;
import dev.crawler.support.Threads;
import dev.crawler.support.Threads;
import dev.crawler.testing.TestingCrawlerMasters;
import dev.crawler.testing.TestingKubelet;
import dev.crawler.testing.TestingOperatedCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A spec change of a 3-replica CrawlerMaster on a real kube-apiserver, the operator, real masters
 * run by the kubelet stand-in (which honours {@code OnDelete}) and a real etcd: every pod is
 * replaced and the leadership moves exactly once, counted both in the status and on an etcd watch
 * of the election.
 */
@Tag("apiserver")
@Tag("process")
@Tag("etcd")
class RollingUpdateTest {
  private static final String NAME = "demo";
  private static final String NS = "rollout";

  private TestingOperatedCluster cluster;
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aSpecChangeOfThreeReplicasReplacesEveryPodWithExactlyOneLeaderChange() throws Exception {
    cluster = TestingOperatedCluster.start(NS, NAME, 3, TestingKubelet.masterCommand(), cm -> {});
    KubernetesClient kube = cluster.kube();
    Election election = cluster.election();
    Candidate old = election.leader().get(2, TimeUnit.SECONDS).orElseThrow();
    CrawlerMasterStatus before = await().atMost(Duration.ofSeconds(60)).until(() -> status(kube),
        s -> old.id().equals(s.getLeader()) && Integer.valueOf(3).equals(s.getReadyReplicas())
            && updated(s).map(c -> "True".equals(c.getStatus())).orElse(false));
    List<String> uidsBefore = pods(kube).stream().map(p -> p.getMetadata().getUid()).toList();

    // Every leader etcd names from now on, as an etcd watch of the election sees it.
    List<Long> terms = new CopyOnWriteArrayList<>();
    ScheduledExecutorService thread = Threads.singleScheduler("rollout-watch");
    Observation watch = election.observe(
        new Observation.Options(election.name(), Clock.systemUTC(), Backoff.DEFAULT, Duration.ofSeconds(5), Duration.ofSeconds(5)),
        thread, (ElectionState s) -> s.leader().map(Candidate::term).ifPresent(t -> {
          if (terms.isEmpty() || terms.get(terms.size() - 1) != t) {
            terms.add(t);
          }
        }));
    watch.start();
    cleanup.add(thread::shutdownNow);
    cleanup.add(watch::close);
    await().atMost(Duration.ofSeconds(10)).until(() -> !terms.isEmpty());

    long generation = TestingCrawlerMasters.edit(kube, NS, NAME, c -> {
      ElectionSpec e = new ElectionSpec();
      e.setLeaseTTLSeconds(6);
      c.getSpec().setElection(e);
    }).getMetadata().getGeneration();

    List<String> progress = new CopyOnWriteArrayList<>();
    await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          CrawlerMasterStatus s = status(kube);
          updated(s).map(Condition::getMessage).filter(m -> progress.isEmpty() || !progress.get(progress.size() - 1).equals(m))
              .ifPresent(progress::add);
          return s;
        }, s -> updated(s).map(c -> "True".equals(c.getStatus()) && Long.valueOf(generation).equals(c.getObservedGeneration())).orElse(false)
            && pods(kube).size() == 3
            && pods(kube).stream().noneMatch(p -> uidsBefore.contains(p.getMetadata().getUid())));
    await().atMost(Duration.ofSeconds(60)).until(() -> election.candidates().get(2, TimeUnit.SECONDS).size() == 3);
    Thread.sleep(1000);
    System.out.println("rollout progress in status: " + progress);
    System.out.println("leader terms seen on the etcd watch: " + terms);
    System.out.printf("leader %s -> %s, transitions %d -> %d%n", before.getLeader(), status(kube).getLeader(),
        before.getLeaderTransitions(), status(kube).getLeaderTransitions());

    assertThat(terms).as("leaders etcd named: the old one, then exactly one more").hasSize(2);
    assertThat(terms.get(0)).isEqualTo(old.term());
    assertThat(status(kube).getLeaderTransitions()).isEqualTo(before.getLeaderTransitions() + 1);
    assertThat(status(kube).getLeader()).isNotEqualTo(old.id());
    assertThat(progress).anySatisfy(m -> assertThat(m).contains("replicas updated"));
    // The rollout reads the pods, readyReplicas the StatefulSet's status, which may lag them by a
    // moment: its update is an event of its own and brings the status to 3 without any polling.
    await().atMost(Duration.ofSeconds(30)).until(() -> Integer.valueOf(3).equals(status(kube).getReadyReplicas()));
  }

  private CrawlerMasterStatus status(KubernetesClient kube) {
    return cluster.status();
  }

  private static Optional<Condition> updated(CrawlerMasterStatus s) {
    return CrawlerMasterConditions.find(s, CrawlerMasterConditions.UPDATED);
  }

  private static List<Pod> pods(KubernetesClient kube) {
    return kube.pods().inNamespace(NS).withLabel("app.kubernetes.io/instance", NAME).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }
}
