package dev.crawler.api;

import java.time.Duration;

/**
 * Every HTTP path and header of a master replica, in one place: the master serves them, the
 * operator points probes and scrape annotations at them, tests call them.
 */
public final class MasterPaths {
  private MasterPaths() {}

  /** Liveness: 200 while the process serves HTTP. */
  public static final String HEALTHZ = "/healthz";
  /** Readiness: 200 while connected to etcd and taking part in the election, else 503. */
  public static final String READYZ = "/readyz";
  /** Prometheus metrics of this replica (text format); served by every replica, never forwarded. */
  public static final String METRICS = "/metrics";
  /** Who leads (id, address, term) and this replica's role. */
  public static final String LEADER = "/leader";
  /** Collection of crawl resources: GET lists, POST creates. Leader-only (followers forward). */
  public static final String RESOURCES = "/api/v1/resources";
  /** Prefix of one resource: {@code DELETE /api/v1/resources/{name}}. Leader-only. */
  public static final String RESOURCE_PREFIX = RESOURCES + "/";
  /**
   * Planned leader change: {@code POST} with {@code {"candidate":"<replica id>"}} (or an empty body:
   * the first ready follower). Leader-only (followers forward). 200 with the new leader once it leads;
   * 400 bad body, 404 unknown candidate, 409 candidate not ready or leading already, no ready
   * candidate, or a switchover already under way, 503 no leader, 504 the leader resigned but the
   * candidate did not take over in time. Answered within {@link #SWITCHOVER_ANSWER_WITHIN}.
   */
  public static final String SWITCHOVER = "/api/v1/switchover";
  /**
   * How long a switchover may take to be answered, forwarding included. The leader's worst case is
   * about 20 s (a few etcd calls of 2 s each, a readiness ask of each follower, stopping its work
   * for up to 5 s, then 3 s waiting for the target); a forwarding follower and the operator wait
   * this long, longer than the leader, so they relay its answer instead of guessing.
   */
  public static final Duration SWITCHOVER_ANSWER_WITHIN = Duration.ofSeconds(30);
  /** Registered live workers. Any replica answers from etcd. */
  public static final String WORKERS = "/api/v1/workers";

  /** Names the replica that actually served the request (set by whoever served it, kept when forwarded). */
  public static final String SERVED_BY_HEADER = "X-Crawler-Served-By";
  /** Set on a forwarded request; a follower never forwards such a request again (no forwarding loops). */
  public static final String FORWARDED_BY_HEADER = "X-Crawler-Forwarded-By";
  /**
   * Set on a forwarded request: when the forwarding follower gives up on it (its wall clock, Unix
   * milliseconds). A leader that receives it later answers 503 and does nothing, so a request whose
   * client was told "unavailable" cannot take effect long after (a partition that held its packets
   * heals). Clocks of the replicas' nodes must agree to well within the forward timeout (5 s).
   */
  public static final String FORWARD_DEADLINE_HEADER = "X-Crawler-Forward-Deadline";

  /**
   * Prometheus text exposition format 0.0.4, what Micrometer's Prometheus registry writes; the
   * operator's own metrics endpoint serves the same format.
   */
  public static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /**
   * The probe port the operator gives a replica: probes and scrapes never compete with API
   * clients. The next port when the API port is this one.
   */
  public static final int DEFAULT_PROBE_PORT = 8081;

  public static int probePort(int apiPort) {
    return apiPort == DEFAULT_PROBE_PORT ? DEFAULT_PROBE_PORT + 1 : DEFAULT_PROBE_PORT;
  }

  public static String resource(String name) {
    return RESOURCE_PREFIX + name;
  }
}
