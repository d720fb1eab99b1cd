package dev.crawler.election;

import java.time.Duration;

/**
 * When a lease can still be trusted, on the local monotonic clock ({@link System#nanoTime()}).
 *
 * <p>etcd refreshes a lease when it <em>processes</em> a keep-alive, which is after this process
 * sent it; so etcd's expiry is never earlier than send time + TTL. Subtracting a safety margin
 * covers clock-rate drift and the time needed to stop acting. Thread-safe.
 */
public final class LeaseClock {
  private final Duration ttl;
  private final long validityNanos;
  private volatile long lastRenewalSentAt;

  public LeaseClock(Duration ttl, long grantSentAtNanos) {
    this.ttl = ttl;
    this.validityNanos = validity(ttl).toNanos();
    this.lastRenewalSentAt = grantSentAtNanos;
  }

  /** TTL minus the safety margin: a quarter of the TTL, at least 250 ms. */
  public static Duration validity(Duration ttl) {
    Duration margin = ttl.dividedBy(4);
    if (margin.compareTo(Duration.ofMillis(250)) < 0) {
      margin = Duration.ofMillis(250);
    }
    return ttl.minus(margin);
  }

  public Duration ttl() {
    return ttl;
  }

  public Duration validity() {
    return Duration.ofNanos(validityNanos);
  }

  /** Records a successful keep-alive that was sent at {@code sentAtNanos}. Out-of-order replies never move it back. */
  public synchronized void renewed(long sentAtNanos) {
    if (sentAtNanos - lastRenewalSentAt > 0) {
      lastRenewalSentAt = sentAtNanos;
    }
  }

  public boolean isValid(long nowNanos) {
    return nowNanos - lastRenewalSentAt < validityNanos;
  }
}
