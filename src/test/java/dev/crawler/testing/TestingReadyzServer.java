package dev.crawler.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tiny process that a {@link TestingKubelet} can run in place of the master: listens on
 * {@code $POD_IP:$CRAWLER_PORT} (like a pod on its own IP), answers {@code /readyz} with
 * {@code $TESTING_READYZ} (default 200) and {@code /env} with its environment, one
 * {@code NAME=value} per line. Runs until killed.
 */
public final class TestingReadyzServer {
  private TestingReadyzServer() {}

  public static void main(String[] args) throws IOException {
    String ip = System.getenv().getOrDefault("POD_IP", "127.0.0.1");
    int port = Integer.parseInt(System.getenv().getOrDefault("CRAWLER_PORT", "8080"));
    int readyz = Integer.parseInt(System.getenv().getOrDefault("TESTING_READYZ", "200"));
    HttpServer server = HttpServer.create(new InetSocketAddress(ip, port), 16);
    server.createContext("/readyz", ex -> respond(ex, readyz, "readyz " + readyz + "\n"));
    server.createContext("/env", ex -> {
      StringBuilder body = new StringBuilder();
      new TreeMap<>(System.getenv()).forEach((k, v) -> body.append(k).append('=').append(v).append('\n'));
      respond(ex, 200, body.toString());
    });
    server.start();
    System.out.println("testing-readyz-server listening on " + ip + ":" + port + " env " + Map.of("POD_NAME",
        System.getenv().getOrDefault("POD_NAME", "")));
  }

  private static void respond(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
