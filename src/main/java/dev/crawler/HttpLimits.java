package dev.crawler;

import dev.crawler.election.Threads;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Limits of the JDK HTTP servers of both subcommands (the master's API and probe ports, the
 * operator's health/metrics port). JDK 17's server reads a request's line and headers on the
 * executor's thread, so a slow client holds one thread until {@code sun.net.httpserver.maxReqTime}
 * closes its connection; with an executor of one thread per allowed connection no accepted
 * connection ever waits for a thread, and none is ever run on the server's dispatcher thread.
 *
 * <p>The JDK reads these properties once, when its first server is created; {@link #apply()} sets
 * those not already given with {@code -D} (so {@code JAVA_TOOL_OPTIONS} can override them).
 */
public final class HttpLimits {
  private HttpLimits() {}

  /** Open connections per server; further connections are closed at accept. */
  public static final int MAX_CONNECTIONS = 256;
  /** Seconds a client may take to send a whole request (line, headers, body). */
  public static final int MAX_REQUEST_SECONDS = 10;
  /** Seconds a response may take to be written. */
  public static final int MAX_RESPONSE_SECONDS = 30;
  /** Seconds a keep-alive connection may stay idle. */
  public static final int IDLE_SECONDS = 30;
  public static final int MAX_REQUEST_HEADERS = 64;
  public static final int MAX_REQUEST_HEADER_BYTES = 16 * 1024;

  static final Map<String, String> PROPERTIES =
      Map.of(
          "jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS),
          "sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS),
          "sun.net.httpserver.maxRspTime", Integer.toString(MAX_RESPONSE_SECONDS),
          "sun.net.httpserver.idleInterval", Integer.toString(IDLE_SECONDS),
          "sun.net.httpserver.maxReqHeaders", Integer.toString(MAX_REQUEST_HEADERS),
          "sun.net.httpserver.maxReqHeaderSize", Integer.toString(MAX_REQUEST_HEADER_BYTES));

  /** Sets the server properties not already set; call before the first HTTP server is created. */
  public static void apply() {
    PROPERTIES.forEach((k, v) -> {
      if (System.getProperty(k) == null) {
        System.setProperty(k, v);
      }
    });
  }

  /**
   * The executor of one server: a thread per allowed connection, created on demand and ended
   * when idle. It never rejects and never runs a task on the caller (the dispatcher): at most
   * {@link #MAX_CONNECTIONS} exchanges exist at once, one per connection.
   */
  public static ExecutorService executor(String threadPrefix) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            MAX_CONNECTIONS, MAX_CONNECTIONS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            Threads.numberedDaemons(threadPrefix));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
