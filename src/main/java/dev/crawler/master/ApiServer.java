package dev.crawler.master;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.crawler.api.MasterPaths;
import dev.crawler.election.EtcdUnavailableException;
import dev.crawler.election.Fence;
import dev.crawler.election.Leader;
import dev.crawler.election.LeadershipLoop;
import dev.crawler.election.LeadershipLostException;
import dev.crawler.election.Switchover;
import dev.crawler.election.Threads;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's HTTP API (paths in {@link MasterPaths}). The resource API is leader-only: the leader
 * serves it through its fence, a follower forwards it. Handlers never wait for an election: they
 * only read the loop's current state or ask etcd with short timeouts.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  /** How long a switchover waits for its target to lead after the resign; a handover takes milliseconds. */
  private static final Duration SWITCHOVER_WAIT = Duration.ofSeconds(3);

  private final HttpServer server;
  private final ThreadPoolExecutor pool;
  private final LeadershipLoop loop;
  private final ClusterStore store;
  private final ResourceService resources;
  private final LeaderForwarder forwarder;
  private final MasterMetrics metrics;

  public ApiServer(InetSocketAddress bind, LeadershipLoop loop, ClusterStore store, MasterMetrics metrics)
      throws IOException {
    this.loop = loop;
    this.metrics = metrics;
    this.store = store;
    this.resources = new ResourceService(store);
    this.forwarder = new LeaderForwarder(loop);
    // Bounded: when all threads are busy and the queue is full, the accepting thread runs the
    // request itself, which slows down accepting instead of queueing without limit.
    this.pool =
        new ThreadPoolExecutor(
            2, 16, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64),
            Threads.numberedDaemons("http"),
            new ThreadPoolExecutor.CallerRunsPolicy());
    this.server = HttpServer.create(bind, 64);
    server.createContext("/", this::handle);
    server.setExecutor(pool);
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set(MasterPaths.SERVED_BY_HEADER, loop.self().id());
    try {
      route(exchange);
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
      exchange.close();
    }
  }

  private void route(HttpExchange exchange)
      throws IOException, InterruptedException, LeadershipLostException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    switch (path) {
      case MasterPaths.HEALTHZ -> {
        if (allow(exchange, "GET")) {
          HttpExchanges.sendJson(exchange, 200, Map.of("status", "ok"));
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
      request = ResourceRequest.parse(body);
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
      case NOT_LEADER, TARGET_DID_NOT_TAKE_OVER -> LeaderForwarder.unavailable(exchange, refused.message());
    }
  }

  private void leader(HttpExchange exchange) throws IOException, InterruptedException {
    Optional<Leader> leader;
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
  }
}
