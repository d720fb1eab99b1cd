package dev.crawler.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.crawler.support.HttpLimits;
import dev.crawler.api.MasterPaths;
import io.javaoperatorsdk.operator.RuntimeInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;

/**
 * The operator's probe and metrics endpoints (JOSDK has none). {@code /readyz}: started and every informer
 * healthy. {@code /healthz}: healthy informers once started, and OK while starting, because
 * {@code Operator.start()} waits for caches to sync and a liveness failure then would only restart
 * a slow start.
 *
 * <p>Requests run on a pool of their own, never on the server's dispatcher thread, so one slow
 * client cannot stall the probes; timeouts and the connection cap are in {@link HttpLimits}.
 */
public final class HealthServer implements AutoCloseable {
  public static final String HEALTHZ = "/healthz";
  public static final String READYZ = "/readyz";
  public static final String METRICS = "/metrics";

  private final HttpServer server;
  private final ExecutorService pool;

  private HealthServer(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  /** Listens on all interfaces: the kubelet probes (and Prometheus scrapes) the pod IP. */
  public static HealthServer start(int port, RuntimeInfo runtime, OperatorMetrics metrics) throws IOException {
    return start(new InetSocketAddress(port), runtime, metrics);
  }

  public static HealthServer start(InetSocketAddress address, RuntimeInfo runtime, OperatorMetrics metrics)
      throws IOException {
    HttpLimits.apply();
    HttpServer server = HttpServer.create(address, 0);
    ExecutorService pool = HttpLimits.executor("health");
    server.setExecutor(pool);
    server.createContext(HEALTHZ, exchange -> answer(exchange,
        () -> !runtime.isStarted() || runtime.allEventSourcesAreHealthy()));
    server.createContext(READYZ, exchange -> answer(exchange,
        () -> runtime.isStarted() && runtime.allEventSourcesAreHealthy()));
    server.createContext(METRICS, exchange -> metrics(exchange, metrics));
    server.start();
    return new HealthServer(server, pool);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, BooleanSupplier healthy) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals(exchange.getHttpContext().getPath())) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      boolean ok = healthy.getAsBoolean();
      respond(exchange, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "unhealthy\n");
    }
  }

  private static void metrics(HttpExchange exchange, OperatorMetrics metrics) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals(METRICS)) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      respond(exchange, 200, MasterPaths.METRICS_CONTENT_TYPE, metrics.scrape());
    }
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
