package dev.crawler.site;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.crawler.support.Json;
import dev.crawler.support.Threads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A generated site to crawl, for the demo, the tests and the e2e: it serves only where it is
 * bound (loopback in tests, a pod in the e2e), so no crawl ever leaves the machine or the cluster.
 *
 * <ul>
 *   <li>{@code /} and {@code /p/<n>} for n in 1..pages: HTML pages whose links form a tree
 *       ({@code /p/<n>} links to {@code /p/<n*fanout+1>} … {@code /p/<n*fanout+fanout>}), plus a
 *       link back to {@code /}, one into {@code /private/} (disallowed by robots.txt), one to
 *       another host (not followed) and a fragment link (the same page);
 *   <li>{@code /robots.txt}: disallows {@code /private/}; with {@code disallowAll}, everything;
 *   <li>{@code /slow/<ms>} answers after that long; {@code /fail/<n>} answers 500;
 *       {@code /big} sends 3 MiB (over a worker's default cap); {@code /never} accepts and never
 *       answers; {@code /redirect} points at {@code /p/1};
 *   <li>{@code /_stats}: how often each path was requested (JSON), to check what crawls did.
 * </ul>
 */
public final class DemoSite implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService pool;
  private final int pages;
  private final int fanout;
  private final boolean disallowAll;
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private volatile long lastHitMillis;
  private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);

  private DemoSite(HttpServer server, ExecutorService pool, int pages, int fanout, boolean disallowAll) {
    this.server = server;
    this.pool = pool;
    this.pages = pages;
    this.fanout = fanout;
    this.disallowAll = disallowAll;
  }

  public static DemoSite start(String bind, int port, int pages, int fanout, boolean disallowAll) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 128);
    ExecutorService pool = Executors.newCachedThreadPool(Threads.numberedDaemons("site"));
    server.setExecutor(pool);
    DemoSite site = new DemoSite(server, pool, pages, fanout, disallowAll);
    server.createContext("/", site::handle);
    server.start();
    return site;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://host:port} of this site, as {@code host} names it. */
  public String base(String host) {
    return "http://" + host + ":" + port();
  }

  /** Requests per path so far. */
  public Map<String, Integer> hits() {
    Map<String, Integer> m = new TreeMap<>();
    hits.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  /** When the last request (other than {@code /_stats}) arrived, epoch milliseconds; 0 before any. */
  public long lastHitMillis() {
    return lastHitMillis;
  }

  /** The pages reachable from {@code /} within {@code depth} links (the start page included). */
  public int reachable(int depth) {
    int total = 1;
    long first = 1;
    long last = Math.min(fanout, pages);
    for (int d = 1; d <= depth && first <= last; d++) {
      total += (int) (last - first + 1);
      long nextFirst = first * fanout + 1;
      last = Math.min(pages, last * fanout + fanout);
      first = nextFirst;
    }
    return total;
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (!path.equals("/_stats")) {
      hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      lastHitMillis = System.currentTimeMillis();
    }
    try {
      if (path.equals("/robots.txt")) {
        send(ex, 200, "text/plain", disallowAll ? "User-agent: *\nDisallow: /\n" : "User-agent: *\nDisallow: /private/\n");
      } else if (path.equals("/_stats")) {
        send(ex, 200, "application/json", Json.MAPPER.writeValueAsString(hits()));
      } else if (path.equals("/")) {
        send(ex, 200, "text/html; charset=utf-8", page(0));
      } else if (path.startsWith("/p/")) {
        int n = number(path.substring(3));
        if (n < 1 || n > pages) {
          send(ex, 404, "text/plain", "no such page");
        } else {
          send(ex, 200, "text/html; charset=utf-8", page(n));
        }
      } else if (path.startsWith("/slow/")) {
        Thread.sleep(Math.min(60_000, Math.max(0, number(path.substring(6)))));
        send(ex, 200, "text/html; charset=utf-8", "<html><head><title>slow</title></head><body>late</body></html>");
      } else if (path.startsWith("/fail/")) {
        send(ex, 500, "text/plain", "failing on purpose");
      } else if (path.equals("/big")) {
        ex.getResponseHeaders().set("Content-Type", "text/html");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
          byte[] chunk = "<p>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</p>\n".repeat(1024).getBytes(StandardCharsets.UTF_8);
          for (long sent = 0; sent < 3L * 1024 * 1024; sent += chunk.length) {
            out.write(chunk);
          }
        } catch (IOException clientGaveUp) {
          // the worker stops reading at its cap
        }
      } else if (path.equals("/never")) {
        closing.await();
      } else if (path.equals("/redirect")) {
        ex.getResponseHeaders().set("Location", "/p/1");
        send(ex, 302, "text/plain", "see /p/1");
      } else {
        send(ex, 404, "text/plain", "no such page");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      ex.close();
    }
  }

  private String page(int n) {
    StringBuilder b = new StringBuilder("<!doctype html><html><head><title>page ").append(n)
        .append("</title></head><body><h1>page ").append(n).append("</h1><ul>");
    for (int i = 1; i <= fanout; i++) {
      long child = (long) n * fanout + i;
      if (child <= pages) {
        b.append("<li><a href=\"/p/").append(child).append("\">page ").append(child).append("</a></li>");
      }
    }
    b.append("</ul><p><a href=\"/\">home</a> <a href=\"#top\">top</a> <a href=\"/private/").append(n)
        .append("\">private</a> <a href=\"http://elsewhere.invalid/").append(n).append("\">elsewhere</a></p></body></html>");
    return b.toString();
  }

  private static int number(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    pool.shutdownNow();
  }
}
