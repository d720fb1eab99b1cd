package dev.crawler.election;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.election.LeaderResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one observe subscription on an election alive. jetcd's observe ends for good on any error
 * (e.g. an etcd restart), so this re-subscribes with jittered backoff until closed. Listeners run
 * on a jetcd thread and must not block.
 */
public final class LeaderObserver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderObserver.class);

  private final Election election;
  private final ByteSequence electionName;
  private final CopyOnWriteArrayList<Consumer<ObservedLeader>> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "observe");
            t.setDaemon(true);
            return t;
          });
  private final Backoff.Retry backoff = Backoff.REPLICA.retry();
  private volatile ObservedLeader last;
  private volatile boolean closed;
  private int generation;

  public LeaderObserver(Election election, ByteSequence electionName) {
    this.election = election;
    this.electionName = electionName;
  }

  public void addListener(Consumer<ObservedLeader> listener) {
    listeners.add(listener);
  }

  public void removeListener(Consumer<ObservedLeader> listener) {
    listeners.remove(listener);
  }

  /** The last leader observe reported; may be stale while etcd is unreachable or after the leader vanished. */
  public Optional<ObservedLeader> last() {
    return Optional.ofNullable(last);
  }

  public void start() {
    timer.execute(this::subscribe);
  }

  private synchronized void subscribe() {
    if (closed) {
      return;
    }
    int mine = ++generation;
    try {
      election.observe(
          electionName,
          new Election.Listener() {
            @Override
            public void onNext(LeaderResponse response) {
              backoff.reset();
              ObservedLeader.from(response.getKv()).ifPresent(LeaderObserver.this::publish);
            }

            @Override
            public void onError(Throwable error) {
              resubscribe(mine, "observe failed: " + error);
            }

            @Override
            public void onCompleted() {
              resubscribe(mine, "observe ended");
            }
          });
    } catch (RuntimeException e) {
      resubscribe(mine, "observe could not start: " + e);
    }
  }

  private synchronized void resubscribe(int ended, String why) {
    if (closed || ended != generation) {
      return;
    }
    Duration delay = backoff.next();
    log.debug("{}; re-subscribing in {} ms", why, delay.toMillis());
    timer.schedule(this::subscribe, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void publish(ObservedLeader leader) {
    last = leader;
    for (Consumer<ObservedLeader> listener : listeners) {
      listener.accept(leader);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    timer.shutdownNow();
  }
}
