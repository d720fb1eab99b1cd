package dev.crawler.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.crawler.support.HttpLimits;
import dev.crawler.api.MasterPaths;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;

/** A worker's probes and metrics: {@code /healthz}, {@code /readyz} (registered and watching), {@code /metrics}. */
final class WorkerServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService pool;

  private WorkerServer(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  static WorkerServer start(WorkerConfig config, CrawlWorker worker) throws IOException {
    HttpLimits.apply();
    HttpServer server = HttpServer.create(new InetSocketAddress(config.bindHost(), config.port()), 64);
    ExecutorService pool = HttpLimits.executor("worker-http");
    server.setExecutor(pool);
    server.createContext(MasterPaths.HEALTHZ, ex -> answer(ex, 200, "application/json", "{\"status\":\"ok\"}"));
    server.createContext(MasterPaths.READYZ, ex -> {
      boolean ready = worker.ready();
      answer(ex, ready ? 200 : 503, "application/json",
          "{\"status\":\"" + (ready ? "ready" : worker.registered() ? "registering" : "not registered") + "\"}");
    });
    server.createContext(MasterPaths.METRICS, ex -> answer(ex, 200, MasterPaths.METRICS_CONTENT_TYPE, worker.metrics().scrape()));
    server.createContext("/", ex -> answer(ex, 404, "application/json", "{\"error\":\"not found\"}"));
    server.start();
    return new WorkerServer(server, pool);
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange ex, int status, String type, String body) throws IOException {
    try (ex) {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      if ("HEAD".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(status, -1);
        return;
      }
      ex.sendResponseHeaders(status, b.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
