package dev.crawler.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMasterStatus;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventRecorderTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static CrawlerMasterStatus invalid(CrawlerMasterStatus previous, String message) {
    return new StatusAggregator(previous, 1L, NOW).invalidSpec(Optional.of(message)).replicas(3, null).build();
  }

  private static CrawlerMasterStatus valid(CrawlerMasterStatus previous) {
    return new StatusAggregator(previous, 1L, NOW).replicas(3, null).build();
  }

  @Test
  void warnsWhenASpecBecomesInvalid() {
    assertThat(EventRecorder.newInvalidSpec(null, invalid(null, "a"))).isTrue();
    CrawlerMasterStatus ok = valid(null);
    assertThat(EventRecorder.newInvalidSpec(ok, invalid(ok, "a"))).isTrue();
  }

  @Test
  void doesNotWarnAgainForTheSameProblem() {
    CrawlerMasterStatus first = invalid(null, "a");
    assertThat(EventRecorder.newInvalidSpec(first, invalid(first, "a"))).isFalse();
  }

  @Test
  void warnsWhenTheProblemChanges() {
    CrawlerMasterStatus first = invalid(null, "a");
    assertThat(EventRecorder.newInvalidSpec(first, invalid(first, "b"))).isTrue();
  }

  @Test
  void doesNotWarnForAValidSpec() {
    CrawlerMasterStatus first = invalid(null, "a");
    assertThat(EventRecorder.newInvalidSpec(first, valid(first))).isFalse();
    assertThat(EventRecorder.newInvalidSpec(null, valid(null))).isFalse();
  }
}
