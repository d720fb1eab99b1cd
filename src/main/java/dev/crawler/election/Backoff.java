package dev.crawler.election;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter, so replicas that lost etcd together do not retry in
 * lockstep. Not thread-safe: one per retry loop.
 */
public final class Backoff {
  private final long minMillis;
  private final long maxMillis;
  private int attempt;

  public Backoff(Duration min, Duration max) {
    this.minMillis = min.toMillis();
    this.maxMillis = max.toMillis();
  }

  /** The next delay: uniform in [min, min * 2^attempt], capped at max. */
  public Duration next() {
    long ceiling = Math.min(maxMillis, minMillis << Math.min(attempt, 20));
    attempt++;
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(minMillis, Math.max(minMillis, ceiling) + 1));
  }

  public void reset() {
    attempt = 0;
  }
}
