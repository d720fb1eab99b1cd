package dev.crawler.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.api.WorkersSpec;
import dev.crawler.testing.TestingKubelet;
import dev.crawler.testing.TestingOperatedCluster;
import dev.crawler.testing.TestingWorker;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** status.workers follows the workers registered in etcd, as workers come and go, on real parts. */
@Tag("apiserver")
@Tag("etcd")
@Tag("process")
class WorkersStatusTest {
  private static final String NS = "workers-status";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Test
  void statusWorkersCountsRegisteredWorkersAsTheyJoinAndLeave() throws Exception {
    try (TestingOperatedCluster cluster = TestingOperatedCluster.start(NS, "crawl", 1, TestingKubelet.masterCommand(),
        cm -> cm.getSpec().setWorkers(new WorkersSpec()))) {
      CrawlerMaster cm = cluster.kube().resources(CrawlerMaster.class).inNamespace(NS).withName("crawl").get();
      await().atMost(TIMEOUT).until(() -> cluster.kube().apps().deployments().inNamespace(NS)
          .withName("crawl-workers").get(), Objects::nonNull);
      await().atMost(TIMEOUT).until(() -> workers(cluster), w -> Integer.valueOf(0).equals(w));

      try (TestingWorker a = TestingWorker.register(cluster.etcdClient(), cm.keyLayout(), "w-a", 5);
          TestingWorker b = TestingWorker.register(cluster.etcdClient(), cm.keyLayout(), "w-b", 5)) {
        await().atMost(TIMEOUT).until(() -> workers(cluster), w -> Integer.valueOf(2).equals(w));
        a.die();
        await().atMost(TIMEOUT).until(() -> workers(cluster), w -> Integer.valueOf(1).equals(w));
      }
      String shown = cluster.api().kubectl("get", "crawlermasters", "-n", NS).assertSuccess().stdout();
      assertThat(shown.lines().findFirst().orElseThrow()).contains("WORKERS");
    }
  }

  private static Integer workers(TestingOperatedCluster cluster) {
    CrawlerMasterStatus s = cluster.status();
    return s == null ? null : s.getWorkers();
  }
}
