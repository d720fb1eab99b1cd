package dev.crawler.operator;

import dev.crawler.operator.status.LeaderTransition;
import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.testing.TestingPrometheusText;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final OperatorMetrics metrics = new OperatorMetrics(nanos::get);
  private final CrawlerMaster demo = crawlerMaster("crawl", "demo");
  private final Map<String, String> demoLabels = Map.of("namespace", "crawl", "name", "demo");

  private static CrawlerMasterStatus leader(String leader, long term) {
    CrawlerMasterStatus s = new CrawlerMasterStatus();
    s.setLeader(leader);
    s.setTerm(term);
    return s;
  }

  private TestingPrometheusText scrape() {
    return TestingPrometheusText.parse(metrics.scrape());
  }

  private CrawlerMasterStatus shown;

  /** Publishes {@code status} with the transition from the status published before, as the reconciler does. */
  private void publish(CrawlerMasterStatus status) {
    metrics.publish(demo, status, LeaderTransition.between(shown, status.getLeader(), status.getTerm(), 0), List.of(demo));
    shown = status;
  }

  @Test
  void leaderInfoHasOneSeriesPerClusterThatFollowsTheLeader() {
    publish(leader("demo-0", 5));
    assertThat(scrape().find("crawler_leader_info", demoLabels)).singleElement()
        .satisfies(s -> assertThat(s.labels()).containsEntry("leader", "demo-0"))
        .satisfies(s -> assertThat(s.value()).isEqualTo(1.0));
    assertThat(scrape().value("crawler_leader_term", demoLabels)).contains(5.0);

    publish(leader("demo-1", 9));
    assertThat(scrape().find("crawler_leader_info", demoLabels)).singleElement()
        .satisfies(s -> assertThat(s.labels()).containsEntry("leader", "demo-1"));
    assertThat(scrape().value("crawler_leader_term", demoLabels)).contains(9.0);

    publish(leader(null, 0));
    assertThat(scrape().find("crawler_leader_info", demoLabels)).isEmpty();
    assertThat(scrape().value("crawler_leader_term", demoLabels)).contains(0.0);
  }

  @Test
  void firstSightIsNoTransitionAndARepeatedStatusChangesNothing() {
    publish(leader("demo-0", 5));
    publish(leader("demo-0", 5));
    assertThat(scrape().value("crawler_leader_transitions_total", demoLabels)).contains(0.0);
    assertThat(scrape().value("crawler_failover_duration_seconds_count", demoLabels)).contains(0.0);
  }

  @Test
  void failoverMeasuresFromTheFirstLeaderlessStatusToTheNextLeader() {
    publish(leader("demo-0", 5));
    nanos.addAndGet(1_000_000_000L);
    publish(leader(null, 0));
    nanos.addAndGet(2_000_000_000L);
    publish(leader(null, 0));
    nanos.addAndGet(1_500_000_000L);
    publish(leader("demo-1", 8));

    TestingPrometheusText t = scrape();
    assertThat(t.value("crawler_leader_transitions_total", demoLabels)).contains(1.0);
    assertThat(t.value("crawler_failover_duration_seconds_count", demoLabels)).contains(1.0);
    assertThat(t.value("crawler_failover_duration_seconds_sum", demoLabels)).contains(3.5);
    Map<String, String> le5 = new java.util.HashMap<>(demoLabels);
    le5.put("le", "5.0");
    assertThat(t.value("crawler_failover_duration_seconds_bucket", le5)).contains(1.0);
    le5.put("le", "2.0");
    assertThat(t.value("crawler_failover_duration_seconds_bucket", le5)).contains(0.0);
  }

  @Test
  void aHandoverSeenInOneStepRecordsNoLeaderlessTime() {
    publish(leader("demo-0", 5));
    nanos.addAndGet(3_000_000_000L);
    publish(leader("demo-1", 8));

    assertThat(scrape().value("crawler_leader_transitions_total", demoLabels)).contains(1.0);
    assertThat(scrape().value("crawler_failover_duration_seconds_sum", demoLabels)).contains(0.0);
  }

  private static CrawlerMasterStatus unreachable(CrawlerMasterStatus status) {
    status.setConditions(List.of(CrawlerMasterConditions.condition(
        CrawlerMasterConditions.ETCD_REACHABLE, CrawlerMasterConditions.FALSE, CrawlerMasterConditions.UNREACHABLE, "x")));
    return status;
  }

  @Test
  void etcdUnreachableCountsEachTurnToFalse() {
    CrawlerMasterStatus down = unreachable(leader("demo-0", 5));
    publish(leader("demo-0", 5));
    publish(down);
    publish(down);
    publish(leader("demo-0", 5));
    publish(down);

    assertThat(scrape().value("crawler_etcd_unreachable_total", demoLabels)).contains(2.0);
  }

  @Test
  void etcdReachableIsZeroOnlyWhileTheStatusSaysUnreachable() {
    CrawlerMasterStatus down = unreachable(leader("demo-0", 5));
    publish(leader("demo-0", 5));
    assertThat(scrape().value("crawler_etcd_reachable", demoLabels)).contains(1.0);
    publish(down);
    assertThat(scrape().value("crawler_etcd_reachable", demoLabels)).contains(0.0);
    publish(leader("demo-0", 5));
    assertThat(scrape().value("crawler_etcd_reachable", demoLabels)).contains(1.0);
  }

  @Test
  void aDeletedClusterLosesItsSeries() {
    CrawlerMaster other = crawlerMaster("crawl", "other");
    publish(leader("demo-0", 5));
    metrics.publish(other, leader("other-0", 3), Optional.empty(), List.of(other));

    TestingPrometheusText t = scrape();
    assertThat(t.find("crawler_leader_term", demoLabels)).isEmpty();
    assertThat(t.find("crawler_leader_info", demoLabels)).isEmpty();
    assertThat(t.find("crawler_leader_transitions_total", demoLabels)).isEmpty();
    assertThat(t.value("crawler_leader_term", Map.of("name", "other"))).contains(3.0);
  }

  @Test
  void reconcilesAreCountedByWhatTheyDidWithTheStatusFromZero() {
    TestingPrometheusText before = scrape();
    for (String result : List.of("status_patched", "unchanged", "failed")) {
      assertThat(before.value("crawler_operator_reconciles_total", Map.of("result", result))).contains(0.0);
    }
    metrics.reconciled(OperatorMetrics.Reconciled.STATUS_PATCHED);
    metrics.reconciled(OperatorMetrics.Reconciled.UNCHANGED);
    metrics.reconciled(OperatorMetrics.Reconciled.UNCHANGED);

    TestingPrometheusText t = scrape();
    assertThat(t.value("crawler_operator_reconciles_total", Map.of("result", "status_patched"))).contains(1.0);
    assertThat(t.value("crawler_operator_reconciles_total", Map.of("result", "unchanged"))).contains(2.0);
    assertThat(t.value("crawler_operator_reconciles_total", Map.of("result", "failed"))).contains(0.0);
  }

  @Test
  void aLeaderChangeReplacesOnlyThatClustersLeaderSeries() {
    CrawlerMaster other = crawlerMaster("crawl", "other");
    List<CrawlerMaster> both = List.of(demo, other);
    metrics.publish(demo, leader("demo-0", 5), Optional.empty(), both);
    metrics.publish(other, leader("other-0", 3), Optional.empty(), both);
    List<String> added = new java.util.ArrayList<>();
    List<String> removed = new java.util.ArrayList<>();
    metrics.registry().config().onMeterAdded(m -> added.add(m.getId().getName() + m.getId().getTags()));
    metrics.registry().config().onMeterRemoved(m -> removed.add(m.getId().getName() + m.getId().getTags()));

    metrics.publish(demo, leader("demo-1", 8), Optional.empty(), both);
    metrics.publish(demo, leader("demo-1", 8), Optional.empty(), both);

    assertThat(added).singleElement().asString().contains("crawler.leader.info").contains("demo-1");
    assertThat(removed).singleElement().asString().contains("crawler.leader.info").contains("demo-0");
    assertThat(scrape().find("crawler_leader_info", Map.of("name", "other"))).singleElement()
        .satisfies(s -> assertThat(s.labels()).containsEntry("leader", "other-0"));
  }
}
