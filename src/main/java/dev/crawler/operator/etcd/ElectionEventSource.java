package dev.crawler.operator.etcd;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.EtcdEndpoints;
import dev.crawler.api.KeyLayout;
import dev.crawler.etcd.Backoff;
import dev.crawler.election.Election;
import dev.crawler.election.ElectionState;
import dev.crawler.etcd.EtcdCredentials;
import dev.crawler.election.Observation;
import dev.crawler.support.Threads;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.EventHandler;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.ResourceEventAware;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's view of every CrawlerMaster's etcd election, as a JOSDK event source: the adapter
 * from {@link Election#observe} to reconciles. It keeps the current {@link ElectionState} per
 * CrawlerMaster and triggers a reconcile of that
 * CrawlerMaster only on a real change (new leader, new term, changed leader value, no leader,
 * etcd reachability) — never on lease renewals, which write no keys.
 *
 * <p>The reconciler calls {@link #ensureWatching} on every reconcile (cheap when nothing changed)
 * and reads {@link #observation}; watching stops by itself when the CrawlerMaster is deleted.
 * Clusters on the same etcd endpoints with the same credentials share one jetcd client.
 */
public final class ElectionEventSource
    extends AbstractEventSource<ElectionState, CrawlerMaster>
    implements ResourceEventAware<CrawlerMaster> {
  private static final Logger log = LoggerFactory.getLogger(ElectionEventSource.class);

  public static final String NAME = "leader-watch";

  private record Watched(
      List<String> endpoints,
      KeyLayout layout,
      EtcdCredentials credentials,
      EtcdClients.Handle client,
      Election election,
      Observation watch,
      io.etcd.jetcd.Watch.Watcher workers) {}

  private final EtcdClients clients;
  private final Clock clock;
  private final Backoff backoff;
  private final Duration requestTimeout;
  private final Duration rereadInterval;
  private final ScheduledExecutorService scheduler;
  private final Map<ResourceID, Watched> watched = new ConcurrentHashMap<>();
  /** etcd's cluster id per normalized endpoint list, from a response header; kept once learned. */
  private final Map<List<String>, Long> clusterIds = new ConcurrentHashMap<>();

  public ElectionEventSource() {
    this(new EtcdClients(), Clock.systemUTC(), Backoff.DEFAULT, Duration.ofSeconds(3),
        Duration.ofSeconds(10));
  }

  /**
   * @param requestTimeout how long a read of the election may take before etcd counts as
   *     unreachable
   * @param rereadInterval how often the election is read even without watch events, to notice an
   *     etcd that stopped answering without closing the connection
   */
  public ElectionEventSource(
      EtcdClients clients,
      Clock clock,
      Backoff backoff,
      Duration requestTimeout,
      Duration rereadInterval) {
    super(ElectionState.class, NAME);
    this.clients = clients;
    this.clock = clock;
    this.backoff = backoff;
    this.requestTimeout = requestTimeout;
    this.rereadInterval = rereadInterval;
    this.scheduler = Threads.singleScheduler("leader-watch");
  }

  /**
   * Starts watching the cluster's election unless it is already watched with the same endpoints,
   * layout and credentials; restarts the watch when any changed. The first observation of a new
   * watch triggers a reconcile. Only while {@code stillExists} says the CrawlerMaster is still there. A reconcile that began before the CrawlerMaster was
   * deleted may call this after {@link #onResourceDeleted} ran; the check, made under the same
   * lock as the deletion's cleanup, keeps it from watching a deleted cluster forever. JOSDK
   * removes a deleted resource from its cache before it reports the deletion to event sources.
   */
  public synchronized void ensureWatching(
      ResourceID id,
      List<String> endpoints,
      KeyLayout layout,
      EtcdCredentials credentials,
      BooleanSupplier stillExists) {
    if (!stillExists.getAsBoolean()) {
      return;
    }
    List<String> normalized = EtcdEndpoints.normalize(endpoints);
    Watched existing = watched.get(id);
    if (existing != null
        && existing.endpoints().equals(normalized)
        && existing.layout().equals(layout)
        && existing.credentials().equals(credentials)) {
      return;
    }
    if (existing != null) {
      log.info("{}: etcd endpoints, key layout or credentials changed; restarting the election watch", id);
      stop(existing);
    }
    EtcdClients.Handle client = clients.acquire(normalized, credentials);
    learnClusterId(normalized, client);
    Watched[] self = new Watched[1];
    Observation.Options options =
        new Observation.Options(String.join(",", normalized), clock, backoff, requestTimeout, rereadInterval);
    Election election = new Election(client.client(), layout.election());
    Observation watch =
        election.observe(options, scheduler,
            observation -> {
              // Runs on the scheduler thread, which also runs close(): a replaced watch is silent.
              if (watched.get(id) == self[0]) {
                trigger(id, observation);
              }
            });
    // Workers registering or leaving (a key created or deleted: keep-alives write nothing) change
    // status.workers: one reconcile each. A watch that fails is not retried here; the next
    // restart of this cluster's watch, and every other reconcile, count the workers again.
    io.etcd.jetcd.Watch.Watcher workers = client.client().getWatchClient().watch(
        io.etcd.jetcd.ByteSequence.from(layout.workersDir(), java.nio.charset.StandardCharsets.UTF_8),
        io.etcd.jetcd.options.WatchOption.builder().isPrefix(true).build(),
        io.etcd.jetcd.Watch.listener(response -> scheduler.execute(() -> {
          if (watched.get(id) == self[0]) {
            triggerForWorkers(id);
          }
        }), error -> log.debug("{}: workers watch ended: {}", id, error.toString())));
    self[0] = new Watched(normalized, layout, credentials, client, election, watch, workers);
    watched.put(id, self[0]);
    watch.start();
  }

  /**
   * The id of the etcd cluster behind {@code endpoints}, once a watch on them got an answer from
   * etcd: two endpoint lists with the same id reach the same data, whatever the names.
   */
  public Optional<Long> etcdClusterId(List<String> endpoints) {
    return Optional.ofNullable(clusterIds.get(EtcdEndpoints.normalize(endpoints)));
  }

  private void learnClusterId(List<String> normalized, EtcdClients.Handle client) {
    if (clusterIds.containsKey(normalized)) {
      return;
    }
    // Any response carries the header; a failure is retried by the next watch of these endpoints.
    client.client().getClusterClient().listMember()
        .thenAccept(r -> clusterIds.put(normalized, r.getHeader().getClusterId()));
  }

  /** Stops watching the cluster's election and releases its etcd client. Idempotent. */
  public synchronized void stopWatching(ResourceID id) {
    Watched existing = watched.remove(id);
    if (existing != null) {
      stop(existing);
    }
  }

  /** The latest observation of the cluster's election; empty until the first read finished. */
  public Optional<ElectionState> observation(ResourceID id) {
    Watched w = watched.get(id);
    return w == null ? Optional.empty() : Optional.ofNullable(w.watch().current());
  }

  /** The cluster's election as watched, to act on it (revoke a dead leader's lease); empty while not watched. */
  public Optional<Election> election(ResourceID id) {
    Watched w = watched.get(id);
    return w == null ? Optional.empty() : Optional.of(w.election());
  }

  /**
   * How many workers are registered under the cluster's prefix: a count-only read (no values) of
   * {@code <prefix>/workers/} with the watch's client; empty while the cluster is not watched or
   * etcd does not answer within the request timeout.
   */
  public Optional<Integer> registeredWorkers(ResourceID id) {
    Watched w = watched.get(id);
    if (w == null) {
      return Optional.empty();
    }
    try {
      long n = w.client().client().getKVClient()
          .get(io.etcd.jetcd.ByteSequence.from(w.layout().workersDir(), java.nio.charset.StandardCharsets.UTF_8),
              io.etcd.jetcd.options.GetOption.builder().isPrefix(true).withCountOnly(true).build())
          .get(requestTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
          .getCount();
      return Optional.of((int) n);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      log.debug("{}: cannot count workers: {}", id, e.toString());
      return Optional.empty();
    }
  }

  /** How many jetcd clients the watches hold open; for metrics. */
  public int openEtcdClients() {
    return clients.openClients();
  }

  /** Which clusters are watched; for tests and diagnostics. */
  public Set<ResourceID> watchedClusters() {
    return Set.copyOf(watched.keySet());
  }

  @Override
  public Set<ElectionState> getSecondaryResources(CrawlerMaster primary) {
    return observation(ResourceID.fromResource(primary)).map(Set::of).orElse(Set.of());
  }

  @Override
  public void onResourceDeleted(CrawlerMaster resource) {
    stopWatching(ResourceID.fromResource(resource));
  }

  @Override
  public synchronized void stop() {
    super.stop();
    for (ResourceID id : Set.copyOf(watched.keySet())) {
      stopWatching(id);
    }
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("leader watch thread did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    clients.close();
  }

  private void trigger(ResourceID id, ElectionState observation) {
    log.debug("{}: election changed: {}", id, observation);
    EventHandler handler = getEventHandler();
    if (isRunning() && handler != null) {
      handler.handleEvent(new Event(id));
    }
  }

  private void triggerForWorkers(ResourceID id) {
    log.debug("{}: workers changed", id);
    EventHandler handler = getEventHandler();
    if (isRunning() && handler != null) {
      handler.handleEvent(new Event(id));
    }
  }

  private void stop(Watched w) {
    w.workers().close();
    w.watch().close();
    // Release on the watch's thread, after its close ran, so no callback uses a closed client.
    scheduler.execute(w.client()::close);
  }
}
