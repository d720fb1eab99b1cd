package dev.crawler.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {

  @Test
  void jsonNestsFiguresByDottedPath() {
    Report r = new Report();
    r.put("handover_ms", Stats.of(List.of(10.0, 20.0)));
    r.put("crash_ms.ttl2", Stats.of(List.of(2000.0)));
    r.put("peer.crash_ms.defaults", Stats.of(List.of(15000.0)));

    Map<String, Object> json = r.json();

    assertThat(json).containsKeys("handover_ms", "crash_ms", "peer", "ratios", "targets");
    assertThat(nested(json, "crash_ms", "ttl2")).containsEntry("p50", 2000.0).containsEntry("n", 1);
    assertThat(nested(json, "peer", "crash_ms", "defaults")).containsEntry("max", 15000.0);
  }

  @Test
  void ratioIsPeerP50OverOursP50WhenBothWereMeasured() {
    Report r = new Report();
    r.put("handover_ms", Stats.of(List.of(10.0, 12.0, 14.0)));
    r.put("peer.handover_ms", Stats.of(List.of(2400.0)));
    r.put("peer.crash_ms.equal_ttl", Stats.of(List.of(5000.0)));

    assertThat(r.ratios())
        .containsEntry("peer_handover_defaults_over_ours_p50", 200.0)
        .doesNotContainKey("peer_crash_equal_ttl_over_ours_ttl5_p50");
  }

  @Test
  void targetsReportMeasuredValueAndWhetherMet() {
    Report r = new Report();
    r.put("handover_ms", Stats.of(List.of(10.0, 60.0)));
    r.put("crash_ms.ttl5", Stats.of(List.of(4700.0)));

    Map<String, Object> targets = r.targets();

    assertThat(targets).containsOnlyKeys("handover_p99_below_50ms", "crash_ttl5_p50_at_most_ttl_plus_500ms");
    assertThat(nested(targets, "handover_p99_below_50ms")).containsEntry("value", 60.0).containsEntry("met", false);
    assertThat(nested(targets, "crash_ttl5_p50_at_most_ttl_plus_500ms")).containsEntry("met", true);
  }

  @Test
  void failedFigureIsReportedInPlace() {
    Report r = new Report();
    r.fail("status_ms", "operator did not start");

    assertThat(r.hasErrors()).isTrue();
    assertThat(nested(r.json(), "status_ms")).containsEntry("error", "operator did not start");
    assertThat(r.table()).contains("not measured: operator did not start");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> nested(Map<String, Object> root, String... path) {
    Map<String, Object> m = root;
    for (String p : path) {
      m = (Map<String, Object>) m.get(p);
    }
    return m;
  }
}
