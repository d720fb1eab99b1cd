package dev.crawler.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void delayDoublesUpToTheCapWithJitterBetweenHalfAndAll() {
    Backoff b = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5));
    Random random = new Random(42);
    long[] ceilings = {200, 400, 800, 1600, 3200, 5000, 5000};
    for (int attempt = 1; attempt <= 100; attempt++) {
      long ceiling = ceilings[Math.min(attempt, ceilings.length) - 1];
      long d = b.delay(attempt, random).toMillis();
      assertThat(d).as("attempt %d", attempt).isBetween(ceiling / 2, ceiling);
    }
  }
}
