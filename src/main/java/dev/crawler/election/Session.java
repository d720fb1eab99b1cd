package dev.crawler.election;

import dev.crawler.support.Failures;
import dev.crawler.support.Threads;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One etcd lease, granted with the configured TTL and kept alive by this process.
 *
 * <p>Contract: {@link #lost()} completes exactly once, with the reason, when etcd says the lease
 * is gone, when no keep-alive has succeeded for longer than {@link LeaseClock#validity} allows, or
 * when the session is closed. A lost session stays lost: open a new one. Validity is measured on
 * the local monotonic clock from the moment the last successful keep-alive was <em>sent</em>, so
 * this process stops trusting the lease before etcd can possibly expire it.
 */
public final class Session implements AutoCloseable {
  private static final long WATCHDOG_MILLIS = 50;

  private final Lease lease;
  private final long leaseId;
  private final LeaseClock clock;
  private final ScheduledExecutorService timer;
  private final CompletableFuture<String> lost = new CompletableFuture<>();
  private final AtomicBoolean keepAliveInFlight = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean revokedInEtcd;

  private Session(Lease lease, long leaseId, LeaseClock clock) {
    this.lease = lease;
    this.leaseId = leaseId;
    this.clock = clock;
    this.timer = Threads.singleScheduler("session-" + Long.toHexString(leaseId));
  }

  /**
   * Grants a lease of {@code ttl} and starts keeping it alive. Blocks for at most {@code timeout};
   * throws when etcd does not answer in time.
   */
  public static Session open(Client client, Duration ttl, Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    long sentAt = System.nanoTime();
    long granted =
        client.getLeaseClient().grant(ttl.toSeconds()).get(timeout.toMillis(), TimeUnit.MILLISECONDS).getID();
    Session session = new Session(client.getLeaseClient(), granted, new LeaseClock(ttl, sentAt));
    session.start(ttl);
    return session;
  }

  private void start(Duration ttl) {
    long interval = Math.max(100, ttl.toMillis() / 4);
    // The first keep-alive goes out at once: the grant may have taken most of the validity (the
    // first RPC on a new connection is slow), and validity counts from when the grant was sent.
    timer.scheduleWithFixedDelay(this::keepAlive, 0, interval, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::watchdog, WATCHDOG_MILLIS, WATCHDOG_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void keepAlive() {
    if (lost.isDone() || !keepAliveInFlight.compareAndSet(false, true)) {
      return;
    }
    long sentAt = System.nanoTime();
    lease
        .keepAliveOnce(leaseId)
        .orTimeout(clock.ttl().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (response, error) -> {
              keepAliveInFlight.set(false);
              if (error == null) {
                clock.renewed(sentAt);
              } else if (isLeaseNotFound(error)) {
                revokedInEtcd = true;
                markLost("lease " + Long.toHexString(leaseId) + " no longer exists in etcd");
              }
              // Other errors (etcd unreachable): keep trying; the watchdog decides when it is too late.
            });
  }

  private void watchdog() {
    if (!clock.isValid(System.nanoTime())) {
      markLost(
          "no keep-alive succeeded within "
              + clock.validity().toMillis()
              + " ms (lease TTL "
              + clock.ttl().toSeconds()
              + " s minus safety margin)");
    }
  }

  static boolean isLeaseNotFound(Throwable error) {
    return Failures.unwrap(error) instanceof EtcdException e && e.getErrorCode() == ErrorCode.NOT_FOUND;
  }

  private void markLost(String reason) {
    lost.complete(reason);
  }

  public long leaseId() {
    return leaseId;
  }

  /** Completes with the reason once the lease can no longer be trusted. Never completes exceptionally. */
  public CompletableFuture<String> lost() {
    return lost;
  }

  /** True once etcd answered that the lease no longer exists: someone revoked it, etcd is reachable. */
  public boolean revokedInEtcd() {
    return revokedInEtcd;
  }

  /** True while the lease is surely still alive in etcd, judged on the local monotonic clock. */
  public boolean isValid() {
    return !lost.isDone() && clock.isValid(System.nanoTime());
  }

  /** Stops keep-alives and revokes the lease (best effort, bounded by {@code timeout}). Idempotent. */
  public void close(Duration timeout) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    markLost("session closed");
    timer.shutdownNow();
    try {
      lease.revoke(leaseId).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // The lease then expires by its TTL; nothing else to do.
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(1));
  }
}
