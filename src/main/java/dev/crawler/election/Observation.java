package dev.crawler.election;

import dev.crawler.etcd.Backoff;
import dev.crawler.etcd.EtcdFailure;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running observation of one {@link Election}: reports each real change of its leader,
 * including "nobody leads" and "etcd cannot be read", which jetcd's own observe never reports
 * (it sends nothing while there is no leader, and ends for good on an error).
 *
 * <p>The leader is read with the election's first-create rule ({@link Election#leader()}). A KV
 * watch on the candidate prefix from the read's revision + 1 tells when to read again. Lease
 * keep-alives write no keys, so they cause no watch events and no reads.
 *
 * <p>When a read fails or times out, or the watch ends or fails (an etcd restart ends it), the
 * watch is dropped, "unreachable" is reported, and the read + watch is retried with jittered
 * backoff until etcd answers again. A periodic re-read notices an etcd that hangs without
 * closing the connection.
 *
 * <p>Lifecycle: nothing runs before {@link #start()}; after {@link #close()} has run on the
 * scheduler no {@code onChange} call follows. Threading: every state change runs on the single
 * thread of the scheduler; jetcd callbacks only hand work over to it. {@code onChange} is called on
 * that thread, in order, only when {@link ElectionState#differsFrom} says the state changed, and
 * must not block.
 */
public final class Observation {
  private static final Logger log = LoggerFactory.getLogger(Observation.class);

  /**
   * How an observation behaves.
   *
   * @param etcd how errors name the etcd being read, e.g. its endpoints
   * @param requestTimeout how long a read may take before etcd counts as unreachable
   * @param rereadInterval how often the election is read even without watch events, to notice an
   *     etcd that stopped answering without closing the connection
   */
  public record Options(String etcd, Clock clock, Backoff backoff, Duration requestTimeout, Duration rereadInterval) {}

  private final Election election;
  private final String name;
  private final Options options;
  private final ScheduledExecutorService scheduler;
  private final Consumer<ElectionState> onChange;

  private volatile ElectionState current;

  // Confined to the scheduler thread.
  private boolean started;
  private boolean closed;
  private long generation;
  private Watch.Watcher watcher;
  private boolean readInFlight;
  private boolean dirty;
  private long dirtySinceNanos;
  private int failures;
  private ScheduledFuture<?> retry;
  private ScheduledFuture<?> reread;

  Observation(
      Election election, Options options, ScheduledExecutorService scheduler, Consumer<ElectionState> onChange) {
    this.election = election;
    this.name = election.name();
    this.options = options;
    this.scheduler = scheduler;
    this.onChange = onChange;
  }

  /** Begins reading and watching; the first state follows within a round trip. Idempotent. */
  public void start() {
    long rereadMillis = options.rereadInterval().toMillis();
    long now = System.nanoTime();
    handOver(
        () -> {
          if (started || closed) {
            return;
          }
          started = true;
          subscribe(now);
          reread = scheduler.scheduleWithFixedDelay(this::reread, rereadMillis, rereadMillis, TimeUnit.MILLISECONDS);
        });
  }

  /** The latest state; null until the first read completed or failed. */
  public ElectionState current() {
    return current;
  }

  /** Stops watching; no {@code onChange} call follows once the scheduler has run this. Idempotent. */
  public void close() {
    handOver(
        () -> {
          closed = true;
          generation++;
          dropWatcher();
          cancel(retry);
          cancel(reread);
        });
  }

  private void subscribe(long seenNanos) {
    if (closed) {
      return;
    }
    long gen = ++generation;
    dropWatcher();
    dirty = false;
    read(gen, seenNanos, true);
  }

  private void read(long gen, long seenNanos, boolean thenWatch) {
    readInFlight = true;
    election
        .read()
        .orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenCompleteAsync(
            (read, error) -> onRead(gen, seenNanos, thenWatch, read, error),
            this::handOver);
  }

  private void onRead(
      long gen, long seenNanos, boolean thenWatch, Election.Read read, Throwable error) {
    if (closed || gen != generation) {
      return;
    }
    readInFlight = false;
    if (error != null) {
      fail(gen, EtcdFailure.of(error), seenNanos);
      return;
    }
    failures = 0;
    Instant at = options.clock().instant();
    publish(read.leader().map(l -> ElectionState.leading(l, at, seenNanos))
        .orElseGet(() -> ElectionState.noLeader(at, seenNanos)));
    if (thenWatch) {
      watch(gen, read.revision() + 1);
    }
    if (dirty) {
      dirty = false;
      read(gen, dirtySinceNanos, false);
    }
  }

  private void watch(long gen, long fromRevision) {
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(fromRevision).build();
    watcher =
        election
            .client()
            .getWatchClient()
            .watch(
                election.candidatePrefix(),
                option,
                Watch.listener(
                    response -> {
                      long seen = System.nanoTime();
                      handOver(() -> onWatchEvent(gen, response, seen));
                    },
                    error -> {
                      long seen = System.nanoTime();
                      handOver(() -> fail(gen, EtcdFailure.of(error), seen));
                    },
                    () -> {
                      long seen = System.nanoTime();
                      handOver(() -> fail(gen,
                          new EtcdFailure(EtcdFailure.Kind.UNREACHABLE, "the watch on " + name + " ended"), seen));
                    }));
  }

  private void onWatchEvent(long gen, WatchResponse response, long seenNanos) {
    if (closed || gen != generation || response.getEvents().isEmpty()) {
      return;
    }
    // Re-read instead of folding events: the leader after a delete is whichever candidate has the
    // lowest create revision, which the events alone do not tell.
    if (readInFlight) {
      if (!dirty) {
        dirty = true;
        dirtySinceNanos = seenNanos;
      }
    } else {
      read(gen, seenNanos, false);
    }
  }

  private void reread() {
    if (closed || readInFlight || watcher == null) {
      return;
    }
    read(generation, System.nanoTime(), false);
  }

  private void fail(long gen, EtcdFailure failure, long seenNanos) {
    if (closed || gen != generation) {
      return;
    }
    long next = ++generation;
    dropWatcher();
    readInFlight = false;
    failures++;
    Duration delay = options.backoff().delay(failures, ThreadLocalRandom.current());
    log.debug("election {}: {}; re-subscribing in {} ms", name, failure.describe(), delay.toMillis());
    publish(ElectionState.unreachable(failure.kind(),
        "etcd " + options.etcd() + ": " + failure.describe(), options.clock().instant(), seenNanos));
    cancel(retry);
    retry = scheduler.schedule(
        () -> {
          if (!closed && generation == next) {
            subscribe(System.nanoTime());
          }
        },
        delay.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void publish(ElectionState observation) {
    ElectionState previous = current;
    if (previous != null && !observation.differsFrom(previous)) {
      if (!observation.etcdReachable() && !observation.error().equals(previous.error())) {
        // Keep the newest error text without triggering a reconcile for it.
        current = ElectionState.unreachable(
            observation.failure(), observation.error(), previous.observedAt(), previous.seenAtNanos());
      }
      return;
    }
    current = observation;
    try {
      onChange.accept(observation);
    } catch (RuntimeException e) {
      log.warn("election {}: change listener failed", name, e);
    }
  }

  private void dropWatcher() {
    Watch.Watcher w = watcher;
    watcher = null;
    if (w != null) {
      // close() calls the listener's onCompleted; the generation was bumped before, so it is ignored.
      w.close();
    }
  }

  /** Runs on the scheduler thread; after shutdown, late jetcd callbacks are dropped. */
  private void handOver(Runnable task) {
    try {
      scheduler.execute(task);
    } catch (RejectedExecutionException shutDown) {
      log.trace("election {}: dropped a callback after shutdown", name);
    }
  }

  private static void cancel(ScheduledFuture<?> future) {
    if (future != null) {
      future.cancel(false);
    }
  }
}
