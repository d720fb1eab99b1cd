package dev.crawler.etcd;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter for retrying etcd. Jitter (from the first retry on) keeps replicas
 * and operators that lost etcd together from reconnecting in lockstep when it returns.
 */
public record Backoff(Duration initial, Duration max) {

  public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5));
  /** A replica's own election calls (lease, campaign, observe): it can neither lead nor follow without them. */
  public static final Backoff REPLICA = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));

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

  /** A retry loop's own attempt counter over this backoff. Not thread-safe: one per loop. */
  public Retry retry() {
    return new Retry(this);
  }

  public static final class Retry {
    private final Backoff backoff;
    private int attempt;

    private Retry(Backoff backoff) {
      this.backoff = backoff;
    }

    public Duration next() {
      return backoff.delay(++attempt, ThreadLocalRandom.current());
    }

    public void reset() {
      attempt = 0;
    }
  }
}
