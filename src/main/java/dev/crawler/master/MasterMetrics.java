package dev.crawler.master;

import dev.crawler.election.Candidate;
import dev.crawler.master.leadership.LeadershipEvents;
import dev.crawler.master.leadership.LeadershipLoop;
import dev.crawler.master.failover.Revocations;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;

/**
 * A replica's Prometheus metrics (docs/metrics.md). The gauges read the {@link LeadershipLoop}'s
 * state at scrape time; the counters are fed by the loop through {@link LeadershipEvents}, so
 * the loop is the one source of every series.
 */
public final class MasterMetrics implements LeadershipEvents, Revocations {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  /** Registers the gauges that read {@code loop}; call once, before serving {@link #scrape()}. */
  public void bind(LeadershipLoop loop) {
    Gauge.builder("crawler.master.is_leader", loop, l -> l.leadingTerm().isPresent() ? 1 : 0)
        .description("1 while this replica leads, else 0")
        .register(registry);
    Gauge.builder("crawler.master.term", loop, MasterMetrics::knownTerm)
        .description("term of the leadership this replica knows of: its own while leading, else the"
            + " last observed leader's; 0 while it knows none")
        .register(registry);
    for (CampaignOutcome outcome : CampaignOutcome.values()) {
      elections(outcome);
    }
    fenceRejections();
    leaderWorkStalls();
    for (Cause cause : Cause.values()) {
      revocations(cause);
    }
    apiRejections();
  }

  private static double knownTerm(LeadershipLoop loop) {
    return loop.leadingTerm()
        .or(() -> loop.lastSeenLeader().map(Candidate::term))
        .orElse(0L);
  }

  @Override
  public void campaignEnded(CampaignOutcome outcome) {
    elections(outcome).increment();
  }

  @Override
  public void fenceRejected() {
    fenceRejections().increment();
  }

  @Override
  public void leaderWorkStalled() {
    leaderWorkStalls().increment();
  }

  @Override
  public void etcdError(String operation) {
    Counter.builder("crawler.master.etcd.errors")
        .description("failed etcd calls of the leadership loop")
        .tag("operation", operation)
        .register(registry)
        .increment();
  }

  @Override
  public void revoked(Cause cause) {
    revocations(cause).increment();
  }

  /** A switchover request this replica served as leader, by outcome ({@code done} or the refusal). */
  public void switchover(String outcome) {
    Counter.builder("crawler.master.switchovers")
        .description("switchover requests this replica served as leader, by outcome")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  /** A follower did not forward to the leader's address ({@link Peers}); {@code reason} is a fixed word. */
  void forwardRefused(String reason) {
    Counter.builder("crawler.master.forward_refusals")
        .description("leader-only requests not forwarded because the leader's address is not a replica's")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /**
   * A request the API port answered: {@code method} (GET, POST, DELETE, other) and the status class
   * of the answer ({@code 2xx} … {@code 5xx}, {@code none} when none was sent). Followers count the
   * requests they forwarded with the leader's answer.
   */
  void apiRequest(String method, int status) {
    String m = switch (method) {
      case "GET", "POST", "DELETE" -> method;
      default -> "other";
    };
    String code = status >= 100 && status < 600 ? (status / 100) + "xx" : "none";
    Counter.builder("crawler.master.requests")
        .description("requests the API port answered, by method and status class")
        .tag("method", m)
        .tag("code", code)
        .register(registry)
        .increment();
  }

  /** The API port answered 503 because too many requests were in flight. */
  void apiRequestRejected() {
    apiRejections().increment();
  }

  private Counter apiRejections() {
    return Counter.builder("crawler.master.api_busy_rejections")
        .description("API requests answered 503 because the replica had too many requests in flight")
        .register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }

  private Counter elections(CampaignOutcome outcome) {
    return Counter.builder("crawler.master.elections")
        .description("campaigns this replica finished, by outcome")
        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
        .register(registry);
  }

  private Counter revocations(Cause cause) {
    return Counter.builder("crawler.master.lease_revocations")
        .description("other candidates' election leases this replica revoked, by the evidence that the holder is gone")
        .tag("cause", cause.label())
        .register(registry);
  }

  private Counter leaderWorkStalls() {
    return Counter.builder("crawler.master.leader_work_stalls")
        .description("terms whose leader work made no progress for longer than the lease TTL, at least 5 s"
            + " (the replica stepped down for good)")
        .register(registry);
  }

  private Counter fenceRejections() {
    return Counter.builder("crawler.master.fenced_write_rejections")
        .description("leader-only writes etcd rejected because the leader key no longer has this term")
        .register(registry);
  }
}
