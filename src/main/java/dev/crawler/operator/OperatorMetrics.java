package dev.crawler.operator;

import dev.crawler.operator.etcd.ElectionEventSource;
import dev.crawler.operator.status.LeaderTransition;
import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The operator's Prometheus metrics, one set per CrawlerMaster (docs/metrics.md). Fed from one
 * place: {@link #publish}, with each status the reconciler computed and the {@link
 * LeaderTransition} it decided, so a reconcile that changes nothing changes no metric.
 */
public final class OperatorMetrics {
  static final Duration[] FAILOVER_BUCKETS = {
    Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
    Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
    Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)
  };

  /** What the metrics last saw of one cluster. */
  private static final class Cluster {
    final AtomicLong term = new AtomicLong();
    final List<Meter> meters = new ArrayList<>();
    /** The crawler_leader_info series of the current leader; null while none leads. */
    Meter leaderInfo;
    Counter transitions;
    Counter unreachable;
    Timer failover;
    String leader;
    /** The last term seen with a leader; 0 before any. */
    long lastTerm;
    /** nanoTime when a status first showed no leader after one; 0 when not leaderless. */
    long leaderlessSinceNanos;
    /** The last status showed EtcdReachable=False; read by scrapes. */
    volatile boolean etcdUnreachable;
  }

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final LongSupplier nanoTime;
  private final Map<ResourceID, Cluster> clusters = new HashMap<>();
  private final Map<Reconciled, Counter> reconciles = new HashMap<>();

  /** What a reconcile did with the status; {@link #UNCHANGED} is a reconcile that wrote nothing. */
  public enum Reconciled {
    STATUS_PATCHED("status_patched"),
    UNCHANGED("unchanged"),
    FAILED("failed");

    private final String label;

    Reconciled(String label) {
      this.label = label;
    }
  }

  public OperatorMetrics() {
    this(System::nanoTime);
  }

  OperatorMetrics(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    for (Reconciled r : Reconciled.values()) {
      reconciles.put(r, Counter.builder("crawler.operator.reconciles")
          .description("reconciles of any CrawlerMaster by what they did with the status; unchanged ones wrote nothing")
          .tag("result", r.label)
          .register(registry));
    }
  }

  /** Counts one reconcile of any CrawlerMaster. */
  public void reconciled(Reconciled result) {
    reconciles.get(result).increment();
  }

  /**
   * Serves the number of etcd clients and of election watches the operator holds open, read at
   * scrape time: with many CrawlerMasters on one etcd, the first should stay 1.
   */
  public void follow(ElectionEventSource source) {
    Gauge.builder("crawler.operator.etcd.clients", source, ElectionEventSource::openEtcdClients)
        .description("jetcd clients the operator holds open: one per distinct etcd endpoints and credentials")
        .strongReference(true)
        .register(registry);
    Gauge.builder("crawler.operator.election.watches", source, s -> s.watchedClusters().size())
        .description("CrawlerMaster elections the operator watches")
        .strongReference(true)
        .register(registry);
  }

  /**
   * Records the status the reconciler computed for {@code cm} and the leader transition it decided,
   * and drops the series of clusters no longer among {@code known} (the primary cache): a deleted
   * CrawlerMaster's series go at the next reconcile of any CrawlerMaster.
   */
  public synchronized void publish(
      CrawlerMaster cm,
      CrawlerMasterStatus status,
      Optional<LeaderTransition> transition,
      Collection<CrawlerMaster> known) {
    ResourceID id = ResourceID.fromResource(cm);
    Cluster c = clusters.computeIfAbsent(id, this::register);
    long now = nanoTime.getAsLong();
    String leader = status == null ? null : status.getLeader();
    long term = status == null || status.getTerm() == null ? 0 : status.getTerm();
    if (transition.isPresent()) {
      LeaderTransition t = transition.get();
      if (t.toNoLeader()) {
        boolean hadLeader = c.leader != null || c.lastTerm != 0;
        if (hadLeader && c.leaderlessSinceNanos == 0) {
          c.leaderlessSinceNanos = now;
        }
      } else if (c.lastTerm != 0 && term != c.lastTerm) {
        // Counted only against a term this operator saw (the counter starts with the process),
        // and only once: a reconcile whose status patch failed decides the same transition again.
        c.transitions.increment();
        long since = c.leaderlessSinceNanos == 0 ? now : c.leaderlessSinceNanos;
        c.failover.record(Duration.ofNanos(now - since));
      }
    }
    if (leader == null) {
      c.term.set(0);
    } else {
      c.leaderlessSinceNanos = 0;
      c.lastTerm = term;
      c.term.set(term);
    }
    if (!Objects.equals(leader, c.leader)) {
      // Only this cluster's series is replaced: re-registering every cluster's on each reconcile
      // cost a few milliseconds per reconcile at 1000 CrawlerMasters.
      if (c.leaderInfo != null) {
        registry.remove(c.leaderInfo);
      }
      c.leaderInfo = leader == null ? null : Gauge.builder("crawler.leader.info", () -> 1)
          .description("1 for the pod that leads the CrawlerMaster's etcd election (status.leader)")
          .tags(tags(id).and("leader", leader))
          .register(registry);
    }
    c.leader = leader;
    boolean unreachable = status != null && etcdUnreachable(status);
    if (unreachable && !c.etcdUnreachable) {
      c.unreachable.increment();
    }
    c.etcdUnreachable = unreachable;
    // Every cluster here was known once, so only more clusters than known ones means one is gone.
    if (clusters.size() > known.size()) {
      Set<ResourceID> live = known.stream().map(ResourceID::fromResource).collect(Collectors.toSet());
      live.add(id);
      clusters.keySet().stream().filter(k -> !live.contains(k)).toList().forEach(this::remove);
    }
  }

  MeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  private static boolean etcdUnreachable(CrawlerMasterStatus status) {
    return CrawlerMasterConditions.find(status, CrawlerMasterConditions.ETCD_REACHABLE)
        .map(Condition::getStatus)
        .filter(CrawlerMasterConditions.FALSE::equals)
        .isPresent();
  }

  private Cluster register(ResourceID id) {
    Tags tags = tags(id);
    Cluster c = new Cluster();
    c.meters.add(Gauge.builder("crawler.leader.term", c.term, AtomicLong::get)
        .description("term (election key create revision) of the current leader; 0 while none leads")
        .tags(tags)
        .register(registry));
    c.meters.add(Gauge.builder("crawler.etcd.reachable", c, cluster -> cluster.etcdUnreachable ? 0 : 1)
        .description("0 while the cluster's status shows EtcdReachable=False, else 1")
        .tags(tags)
        .register(registry));
    c.transitions = Counter.builder("crawler.leader.transitions")
        .description("leader changes to a new term seen by this operator since it started")
        .tags(tags)
        .register(registry);
    c.unreachable = Counter.builder("crawler.etcd.unreachable")
        .description("times the operator's status for this cluster turned EtcdReachable=False")
        .tags(tags)
        .register(registry);
    c.failover = Timer.builder("crawler.failover.duration")
        .description("time without a leader as the operator's status showed it, per transition")
        .serviceLevelObjectives(FAILOVER_BUCKETS)
        .tags(tags)
        .register(registry);
    c.meters.add(c.transitions);
    c.meters.add(c.unreachable);
    c.meters.add(c.failover);
    return c;
  }

  private void remove(ResourceID id) {
    Cluster c = clusters.remove(id);
    c.meters.forEach(registry::remove);
    if (c.leaderInfo != null) {
      registry.remove(c.leaderInfo);
    }
  }

  private static Tags tags(ResourceID id) {
    return Tags.of("namespace", id.getNamespace().orElse(""), "name", id.getName());
  }
}
