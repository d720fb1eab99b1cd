package dev.crawler.operator.events;

import dev.crawler.operator.status.StatusAggregator;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMasterStatus;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterEventTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static CrawlerMasterStatus invalid(CrawlerMasterStatus previous, String message) {
    return new StatusAggregator(previous, 1L, NOW).invalidSpec(Optional.of(message)).replicas(3, null).build();
  }

  private static CrawlerMasterStatus valid(CrawlerMasterStatus previous) {
    return new StatusAggregator(previous, 1L, NOW).replicas(3, null).build();
  }

  @Test
  void warnsWhenASpecBecomesInvalid() {
    assertThat(ClusterEvent.invalidSpec(null, invalid(null, "a"))).isPresent();
    CrawlerMasterStatus ok = valid(null);
    assertThat(ClusterEvent.invalidSpec(ok, invalid(ok, "a"))).isPresent();
  }

  @Test
  void doesNotWarnAgainForTheSameProblem() {
    CrawlerMasterStatus first = invalid(null, "a");
    assertThat(ClusterEvent.invalidSpec(first, invalid(first, "a"))).isEmpty();
  }

  @Test
  void warnsWhenTheProblemChanges() {
    CrawlerMasterStatus first = invalid(null, "a");
    assertThat(ClusterEvent.invalidSpec(first, invalid(first, "b"))).isPresent();
  }

  @Test
  void doesNotWarnForAValidSpec() {
    CrawlerMasterStatus first = invalid(null, "a");
    assertThat(ClusterEvent.invalidSpec(first, valid(first))).isEmpty();
    assertThat(ClusterEvent.invalidSpec(null, valid(null))).isEmpty();
  }
}
