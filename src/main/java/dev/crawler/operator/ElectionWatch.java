package dev.crawler.operator;

import dev.crawler.api.KeyLayout;
import dev.crawler.election.Backoff;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one cluster's election in etcd and reports each real change of its leader.
 *
 * <p>The leader is read the way etcd's election recipe defines it: the key under {@code
 * <election>/} with the lowest create revision (a KV get sorted by create revision, limit 1). A KV
 * watch on the same prefix from the get's revision + 1 tells when to read again. jetcd's {@code
 * observe} is not used because it sends nothing while there is no leader. Lease keep-alives write
 * no keys, so they cause no watch events and no reads.
 *
 * <p>When a read fails or times out, or the watch ends or fails (an etcd restart ends it), the
 * watch is dropped, "unreachable" is reported, and the get + watch is retried with jittered backoff
 * until etcd answers again. A periodic probe read notices an etcd that hangs without closing the
 * connection.
 *
 * <p>Threading: every state change runs on the single thread of {@code scheduler}; jetcd callbacks
 * only hand work over to it. {@code onChange} is called on that thread, in order, only when {@link
 * ElectionObservation#differsFrom} says the state changed.
 */
final class ElectionWatch {
  private static final Logger LOG = LoggerFactory.getLogger(ElectionWatch.class);

  private final Client client;
  private final ByteSequence prefix;
  private final String name;
  private final String endpoints;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Backoff backoff;
  private final Duration requestTimeout;
  private final Consumer<ElectionObservation> onChange;

  private volatile ElectionObservation current;

  // Confined to the scheduler thread.
  private boolean closed;
  private long generation;
  private Watch.Watcher watcher;
  private boolean readInFlight;
  private boolean dirty;
  private long dirtySinceNanos;
  private int failures;
  private ScheduledFuture<?> retry;
  private ScheduledFuture<?> probe;

  ElectionWatch(
      Client client,
      String endpoints,
      KeyLayout layout,
      ScheduledExecutorService scheduler,
      Clock clock,
      Backoff backoff,
      Duration requestTimeout,
      Duration probeInterval,
      Consumer<ElectionObservation> onChange) {
    this.client = client;
    this.name = layout.election();
    this.endpoints = endpoints;
    this.prefix = ByteSequence.from(layout.election() + "/", StandardCharsets.UTF_8);
    this.scheduler = scheduler;
    this.clock = clock;
    this.backoff = backoff;
    this.requestTimeout = requestTimeout;
    this.onChange = onChange;
    scheduler.execute(() -> subscribe(System.nanoTime()));
    long probeMillis = probeInterval.toMillis();
    scheduler.execute(
        () -> {
          if (!closed) {
            probe = scheduler.scheduleWithFixedDelay(
                this::probe, probeMillis, probeMillis, TimeUnit.MILLISECONDS);
          }
        });
  }

  /** The latest observation; null until the first read completed or failed. */
  ElectionObservation current() {
    return current;
  }

  /** Stops watching; no {@code onChange} call follows once the scheduler has run this. */
  void close() {
    scheduler.execute(
        () -> {
          closed = true;
          generation++;
          dropWatcher();
          cancel(retry);
          cancel(probe);
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
    GetOption firstCreated =
        GetOption.builder()
            .isPrefix(true)
            .withSortField(GetOption.SortTarget.CREATE)
            .withSortOrder(GetOption.SortOrder.ASCEND)
            .withLimit(1)
            .build();
    client
        .getKVClient()
        .get(prefix, firstCreated)
        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenCompleteAsync(
            (response, error) -> onRead(gen, seenNanos, thenWatch, response, error),
            this::handOver);
  }

  private void onRead(
      long gen, long seenNanos, boolean thenWatch, GetResponse response, Throwable error) {
    if (closed || gen != generation) {
      return;
    }
    readInFlight = false;
    if (error != null) {
      fail(gen, describe(error), seenNanos);
      return;
    }
    failures = 0;
    publish(toObservation(response, seenNanos));
    if (thenWatch) {
      watch(gen, response.getHeader().getRevision() + 1);
    }
    if (dirty) {
      dirty = false;
      read(gen, dirtySinceNanos, false);
    }
  }

  private void watch(long gen, long fromRevision) {
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(fromRevision).build();
    watcher =
        client
            .getWatchClient()
            .watch(
                prefix,
                option,
                Watch.listener(
                    response -> {
                      long seen = System.nanoTime();
                      handOver(() -> onWatchEvent(gen, response, seen));
                    },
                    error -> {
                      long seen = System.nanoTime();
                      handOver(() -> fail(gen, describe(error), seen));
                    },
                    () -> {
                      long seen = System.nanoTime();
                      handOver(() -> fail(gen, "the watch on " + name + " ended", seen));
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

  private void probe() {
    if (closed || readInFlight || watcher == null) {
      return;
    }
    read(generation, System.nanoTime(), false);
  }

  private void fail(long gen, String message, long seenNanos) {
    if (closed || gen != generation) {
      return;
    }
    long next = ++generation;
    dropWatcher();
    readInFlight = false;
    failures++;
    Duration delay = backoff.delay(failures, ThreadLocalRandom.current());
    LOG.debug("election {}: {}; re-subscribing in {} ms", name, message, delay.toMillis());
    publish(ElectionObservation.unreachable(
        "etcd " + endpoints + ": " + message, clock.instant(), seenNanos));
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

  private void publish(ElectionObservation observation) {
    ElectionObservation previous = current;
    if (previous != null && !observation.differsFrom(previous)) {
      if (!observation.etcdReachable() && !observation.error().equals(previous.error())) {
        // Keep the newest error text without triggering a reconcile for it.
        current = ElectionObservation.unreachable(
            observation.error(), previous.observedAt(), previous.seenAtNanos());
      }
      return;
    }
    current = observation;
    try {
      onChange.accept(observation);
    } catch (RuntimeException e) {
      LOG.warn("election {}: change listener failed", name, e);
    }
  }

  private ElectionObservation toObservation(GetResponse response, long seenNanos) {
    if (response.getKvs().isEmpty()) {
      return ElectionObservation.noLeader(clock.instant(), seenNanos);
    }
    KeyValue kv = response.getKvs().get(0);
    return ElectionObservation.leader(
        kv.getKey().toString(StandardCharsets.UTF_8),
        kv.getValue().toString(StandardCharsets.UTF_8),
        kv.getCreateRevision(),
        clock.instant(),
        seenNanos);
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
      LOG.trace("election {}: dropped a callback after shutdown", name);
    }
  }

  private static void cancel(ScheduledFuture<?> future) {
    if (future != null) {
      future.cancel(false);
    }
  }

  private static String describe(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof TimeoutException) {
      return "etcd did not answer within the request timeout";
    }
    String message = t.getMessage();
    return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
  }
}
