package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.MasterPaths;
import dev.crawler.election.Candidate;
import dev.crawler.testing.TestingMasterCluster;
import dev.crawler.testing.TestingMasterProcess;
import dev.crawler.testing.TestingPrometheusText;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Scrapes /metrics of real master processes and compares it with etcd's election. */
@Tag("process")
@Tag("etcd")
class MasterMetricsEndpointTest {
  private TestingMasterCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static TestingPrometheusText scrape(TestingMasterProcess m) throws Exception {
    return TestingPrometheusText.scrape(URI.create("http://127.0.0.1:" + m.port() + MasterPaths.METRICS));
  }

  @Test
  void leaderAndFollowerReportRoleAndTheTermEtcdHolds() throws Exception {
    cluster = TestingMasterCluster.start(2, 2);
    Candidate first = cluster.awaitLeaderInEtcd(Duration.ofSeconds(30), l -> true);
    TestingMasterProcess leader = cluster.master(first.id());
    TestingMasterProcess follower =
        cluster.masters().stream().filter(m -> m != leader).findFirst().orElseThrow();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      TestingPrometheusText l = scrape(leader);
      assertThat(l.value("crawler_master_is_leader")).contains(1.0);
      assertThat(l.value("crawler_master_term")).contains((double) first.term());
      assertThat(l.value("crawler_master_elections_total", Map.of("outcome", "won"))).contains(1.0);
      assertThat(l.value("crawler_master_fenced_write_rejections_total")).contains(0.0);
      TestingPrometheusText f = scrape(follower);
      assertThat(f.value("crawler_master_is_leader")).contains(0.0);
      assertThat(f.value("crawler_master_term")).contains((double) first.term());
      assertThat(f.value("crawler_master_elections_total", Map.of("outcome", "won"))).contains(0.0);
    });

    leader.signal("TERM");
    Candidate second =
        cluster.awaitLeaderInEtcd(Duration.ofSeconds(30), l -> l.term() > first.term());
    assertThat(second.id()).isEqualTo(follower.id());
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      TestingPrometheusText f = scrape(follower);
      assertThat(f.value("crawler_master_is_leader")).contains(1.0);
      assertThat(f.value("crawler_master_term")).contains((double) second.term());
      assertThat(f.value("crawler_master_elections_total", Map.of("outcome", "won"))).contains(1.0);
      // No etcd call of the leadership loop failed: a graceful resign is not an error.
      assertThat(f.find("crawler_master_etcd_errors_total", Map.of())).allSatisfy(
          s -> assertThat(s.value()).as(s.toString()).isZero());
    });
  }
}
