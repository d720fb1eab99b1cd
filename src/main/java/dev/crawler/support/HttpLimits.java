package dev.crawler.support;

import dev.crawler.support.Threads;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
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
   * The executor of one server: up to a thread per allowed connection, each ended after 30 s
   * idle. An exchange goes to an idle thread if there is one, else to a new thread while fewer
   * than {@link #MAX_CONNECTIONS} exist, so a replica answering one client at a time keeps one
   * thread (a pool with that many core threads would start a new one for every request until it
   * had them all: about 30 MiB of stacks on a master after a few hundred requests). It never
   * rejects and never runs a task on the caller (the dispatcher): with every thread busy an
   * exchange waits in the queue, which the connection cap keeps from happening in practice.
   */
  public static ExecutorService executor(String threadPrefix) {
    HandOffQueue queue = new HandOffQueue();
    return new ThreadPoolExecutor(
        0, MAX_CONNECTIONS, 30, TimeUnit.SECONDS, queue, Threads.numberedDaemons(threadPrefix),
        (task, pool) -> queue.add(task));
  }

  /**
   * Accepts an offered task only when an idle thread takes it at once, so the pool starts a
   * thread instead of queueing while it is below its maximum; {@link #add} queues unconditionally
   * (the rejection path, every thread busy).
   */
  private static final class HandOffQueue extends LinkedTransferQueue<Runnable> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean offer(Runnable task) {
      return tryTransfer(task);
    }

    @Override
    public boolean add(Runnable task) {
      return super.offer(task);
    }
  }
}
