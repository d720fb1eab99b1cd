package dev.crawler.operator;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter for re-subscribing to etcd. Jitter keeps many clusters that share
 * one etcd from reconnecting in lockstep after it restarts.
 */
public record Backoff(Duration initial, Duration max) {

  public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5));

  /**
   * The delay before retry number {@code attempt} (1 = first retry): {@code initial * 2^(attempt-1)}
   * capped at {@code max}, then scaled by a random factor in [0.5, 1.0).
   */
  public Duration delay(int attempt, RandomGenerator random) {
    int shift = Math.max(0, Math.min(attempt - 1, 30));
    long ceiling = Math.min(max.toMillis(), initial.toMillis() << shift);
    if (ceiling <= 0) {
      ceiling = max.toMillis();
    }
    return Duration.ofMillis((long) (ceiling * (0.5 + random.nextDouble() / 2)));
  }
}
