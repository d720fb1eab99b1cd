package dev.crawler.master;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.crawler.support.HttpLimits;
import dev.crawler.api.MasterPaths;
import dev.crawler.etcd.EtcdUnavailableException;
import dev.crawler.api.Resource;
import dev.crawler.etcd.EtcdUnavailableException;
import dev.crawler.election.Fence;
import dev.crawler.election.Candidate;
import dev.crawler.master.leadership.LeaderWatchdog;
import dev.crawler.master.leadership.LeadershipLoop;
import dev.crawler.election.LeadershipLostException;
import dev.crawler.election.Switchover;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's HTTP API (paths in {@link MasterPaths}). The resource API is leader-only: the leader
 * serves it through its fence, a follower forwards it. Handlers never wait for an election: they
 * only read the loop's current state or ask etcd with short timeouts.
 *
 * <p>Probes and metrics have a port and threads of their own (when a probe port is given), so
 * that clients saturating the API port cannot make the kubelet restart a healthy replica. On the
 * API port at most {@link #MAX_IN_FLIGHT} requests are served at once; more are answered 503 with
 * Retry-After at once. Timeouts and the connection cap are in {@link HttpLimits}.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  /** How long a switchover waits for its target to lead after the resign; a handover takes milliseconds. */
  private static final Duration SWITCHOVER_WAIT = Duration.ofSeconds(3);

  /** Requests served at once on the API port; each may wait for etcd or the leader for seconds. */
  static final int MAX_IN_FLIGHT = 32;
  static final String BUSY_RETRY_AFTER_SECONDS = "1";

  private final HttpServer server;
  private final ExecutorService pool;
  private final HttpServer probeServer;
  private final ExecutorService probePool;
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final LeadershipLoop loop;
  private final ClusterStore store;
  private final ResourceService resources;
  private final LeaderForwarder forwarder;
  private final MasterMetrics metrics;
  private final CrawlTargets targets;

  /**
   * @param probes where probes and metrics are served on their own, or null for none (then only
   *     the API port serves them)
   */
  public ApiServer(
      InetSocketAddress bind,
      InetSocketAddress probes,
      LeadershipLoop loop,
      ClusterStore store,
      MasterMetrics metrics,
      LeaderForwarder forwarder,
      CrawlTargets targets)
      throws IOException {
    HttpLimits.apply();
    this.loop = loop;
    this.metrics = metrics;
    this.store = store;
    this.resources = new ResourceService(store);
    this.forwarder = forwarder;
    this.targets = targets;
    this.pool = HttpLimits.executor("http");
    this.server = HttpServer.create(bind, 64);
    server.createContext("/", this::handle);
    server.setExecutor(pool);
    if (probes != null) {
      this.probePool = HttpLimits.executor("probe");
      this.probeServer = HttpServer.create(probes, 16);
      probeServer.createContext("/", this::handleProbe);
      probeServer.setExecutor(probePool);
    } else {
      this.probePool = null;
      this.probeServer = null;
    }
  }

  public void start() {
    server.start();
    if (probeServer != null) {
      probeServer.start();
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The probe port; empty when probes are served on the API port only. */
  public Optional<Integer> probePort() {
    return Optional.ofNullable(probeServer).map(s -> s.getAddress().getPort());
  }

  private void handleProbe(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set(MasterPaths.SERVED_BY_HEADER, loop.self().id());
    try {
      if (!probe(exchange)) {
        HttpExchanges.sendError(exchange, 404, "no such path on the probe port: " + exchange.getRequestURI().getPath());
      }
    } catch (RuntimeException e) {
      log.error("probe {} failed", exchange.getRequestURI(), e);
      HttpExchanges.sendError(exchange, 500, "internal error: " + e);
    } finally {
      exchange.close();
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set(MasterPaths.SERVED_BY_HEADER, loop.self().id());
    if (!inFlight.tryAcquire()) {
      try {
        metrics.apiRequestRejected();
        exchange.getResponseHeaders().set("Retry-After", BUSY_RETRY_AFTER_SECONDS);
        HttpExchanges.sendError(exchange, 503, "replica busy: " + MAX_IN_FLIGHT + " requests in flight; retry");
      } finally {
        metrics.apiRequest(exchange.getRequestMethod(), exchange.getResponseCode());
        exchange.close();
      }
      return;
    }
    try {
      if (!probe(exchange)) {
        route(exchange);
      }
    } catch (HttpExchanges.BodyTooLargeException e) {
      HttpExchanges.sendError(exchange, 413, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LeaderForwarder.unavailable(exchange, "replica is shutting down");
    } catch (LeadershipLostException e) {
      LeaderForwarder.unavailable(exchange, "leadership lost while serving the request; retry");
    } catch (EtcdUnavailableException e) {
      LeaderForwarder.unavailable(exchange, "etcd unavailable: " + e.getMessage());
    } catch (RuntimeException e) {
      log.error("request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      HttpExchanges.sendError(exchange, 500, "internal error: " + e);
    } finally {
      inFlight.release();
      metrics.apiRequest(exchange.getRequestMethod(), exchange.getResponseCode());
      exchange.close();
    }
  }

  /** Serves a probe or metrics path; false when the path is none of them. */
  private boolean probe(HttpExchange exchange) throws IOException {
    switch (exchange.getRequestURI().getPath()) {
      case MasterPaths.HEALTHZ -> {
        if (allow(exchange, "GET")) {
          // Fails for good once leader work hung: the replica left the election, and only a
          // restart (the kubelet's, on this failing) brings it back.
          Optional<LeaderWatchdog.Stall> stall = loop.stall();
          if (stall.isPresent()) {
            HttpExchanges.sendJson(exchange, 503, Map.of("status", "stalled", "reason", stall.get().describe()));
          } else {
            HttpExchanges.sendJson(exchange, 200, Map.of("status", "ok"));
          }
        }
      }
      case MasterPaths.READYZ -> {
        if (allow(exchange, "GET")) {
          boolean ready = loop.isReady();
          HttpExchanges.sendJson(
              exchange, ready ? 200 : 503, Map.of("ready", ready, "role", loop.role().name().toLowerCase()));
        }
      }
      case MasterPaths.METRICS -> {
        if (allow(exchange, "GET")) {
          HttpExchanges.send(exchange, 200, MasterPaths.METRICS_CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8));
        }
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  private void route(HttpExchange exchange)
      throws IOException, InterruptedException, LeadershipLostException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    Optional<String> late = ForwardDeadline.expired(
        exchange.getRequestHeaders().getFirst(MasterPaths.FORWARD_DEADLINE_HEADER), System.currentTimeMillis());
    if (late.isPresent()) {
      log.info("{} {} from {}: {}", method, path,
          exchange.getRequestHeaders().getFirst(MasterPaths.FORWARDED_BY_HEADER), late.get());
      LeaderForwarder.unavailable(exchange, late.get());
      return;
    }
    switch (path) {
      case MasterPaths.LEADER -> {
        if (allow(exchange, "GET")) {
          leader(exchange);
        }
      }
      case MasterPaths.WORKERS -> {
        if (allow(exchange, "GET")) {
          HttpExchanges.sendJson(exchange, 200, store.load().workers().values());
        }
      }
      case MasterPaths.RESOURCES -> {
        if (allow(exchange, "GET", "POST")) {
          byte[] body = HttpExchanges.readBody(exchange);
          Optional<Fence> fence = loop.fence();
          if (fence.isEmpty()) {
            forwarder.forward(exchange, body);
          } else if (method.equals("GET")) {
            HttpExchanges.sendJson(exchange, 200, resources.list());
          } else {
            create(exchange, fence.get(), body);
          }
        }
      }
      case MasterPaths.SWITCHOVER -> {
        if (allow(exchange, "POST")) {
          byte[] body = HttpExchanges.readBody(exchange);
          if (loop.fence().isEmpty()) {
            forwarder.forward(exchange, body);
          } else {
            switchover(exchange, body);
          }
        }
      }
      default -> {
        if (path.startsWith(MasterPaths.RESOURCE_PREFIX) && path.length() > MasterPaths.RESOURCE_PREFIX.length()) {
          if (allow(exchange, "DELETE")) {
            byte[] body = HttpExchanges.readBody(exchange);
            Optional<Fence> fence = loop.fence();
            if (fence.isEmpty()) {
              forwarder.forward(exchange, body);
            } else {
              delete(exchange, fence.get(), path.substring(MasterPaths.RESOURCE_PREFIX.length()));
            }
          }
        } else {
          HttpExchanges.sendError(exchange, 404, "no such path: " + path);
        }
      }
    }
  }

  private static boolean allow(HttpExchange exchange, String... methods) throws IOException {
    for (String m : methods) {
      if (m.equals(exchange.getRequestMethod())) {
        return true;
      }
    }
    String allowed = String.join(", ", methods);
    exchange.getResponseHeaders().set("Allow", allowed);
    HttpExchanges.sendError(
        exchange, 405, "method " + exchange.getRequestMethod() + " not allowed here; use " + allowed);
    return false;
  }

  private void create(HttpExchange exchange, Fence fence, byte[] body)
      throws IOException, InterruptedException, LeadershipLostException {
    ResourceRequest request;
    try {
      request = ResourceRequest.parse(body, targets);
    } catch (BadRequestException e) {
      HttpExchanges.sendError(exchange, 400, e.getMessage());
      return;
    }
    Optional<Resource> created = resources.create(fence, request);
    if (created.isPresent()) {
      exchange.getResponseHeaders().set("Location", MasterPaths.resource(request.name()));
      HttpExchanges.sendJson(exchange, 201, created.get());
    } else {
      HttpExchanges.sendError(exchange, 409, "resource '" + request.name() + "' already exists");
    }
  }

  private void delete(HttpExchange exchange, Fence fence, String name)
      throws IOException, InterruptedException, LeadershipLostException {
    try {
      ResourceRequest.validateName(name);
    } catch (BadRequestException e) {
      HttpExchanges.sendError(exchange, 400, e.getMessage());
      return;
    }
    if (resources.delete(fence, name)) {
      HttpExchanges.send(exchange, 204, null, new byte[0]);
    } else {
      HttpExchanges.sendError(exchange, 404, "no resource named '" + name + "'");
    }
  }

  private void switchover(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
    SwitchoverRequest request;
    try {
      request = SwitchoverRequest.parse(body);
    } catch (BadRequestException e) {
      HttpExchanges.sendError(exchange, 400, e.getMessage());
      return;
    }
    Switchover.Result result = loop.switchover(request.candidate(), forwarder::isReady, SWITCHOVER_WAIT);
    if (result instanceof Switchover.Done done) {
      metrics.switchover("done");
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("leader", done.next().id());
      answer.put("term", done.next().term());
      answer.put("previousLeader", done.previous().id());
      answer.put("previousTerm", done.previous().term());
      HttpExchanges.sendJson(exchange, 200, answer);
      return;
    }
    Switchover.Refused refused = (Switchover.Refused) result;
    metrics.switchover(refused.refusal().name().toLowerCase());
    switch (refused.refusal()) {
      case UNKNOWN_CANDIDATE -> HttpExchanges.sendError(exchange, 404, refused.message());
      case CANDIDATE_LEADS, CANDIDATE_NOT_READY, NO_READY_CANDIDATE, IN_PROGRESS ->
          HttpExchanges.sendError(exchange, 409, refused.message());
      case NOT_LEADER -> LeaderForwarder.unavailable(exchange, refused.message());
      // Not a refusal: this replica resigned, and the target did not lead in time.
      case TARGET_DID_NOT_TAKE_OVER -> HttpExchanges.sendError(exchange, 504, refused.message());
    }
  }

  private void leader(HttpExchange exchange) throws IOException, InterruptedException {
    Optional<Candidate> leader;
    try {
      leader = loop.currentLeader(LeaderForwarder.LOOKUP_TIMEOUT);
    } catch (ExecutionException | TimeoutException e) {
      LeaderForwarder.unavailable(exchange, "cannot ask etcd who leads: " + e.getMessage());
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", loop.self().id());
    body.put("role", loop.role() == LeadershipLoop.Role.LEADER ? "leader" : "follower");
    body.put(
        "leader",
        leader
            .map(l -> Map.<String, Object>of("id", l.id(), "address", l.info().orElseThrow().address(), "term", l.term()))
            .orElse(null));
    HttpExchanges.sendJson(exchange, 200, body);
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
    if (probeServer != null) {
      probeServer.stop(0);
      probePool.shutdownNow();
    }
  }
}
