package dev.crawler.master.failover;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Locale;

/**
 * One TCP connect to a peer's advertised {@code host:port}, classified by what it proves.
 *
 * <p>Only a refused connection is evidence: the peer's host (or pod network namespace) answered
 * with a reset, so it is up, and nothing listens on the port. That is what a crashed or restarting
 * JVM looks like. A stopped (SIGSTOP) or busy process still has its listening socket, so the
 * kernel completes the handshake for it: that is {@link Answer#ACCEPTED}. Timeouts and unreachable
 * hosts or networks prove nothing (a partition looks the same as a dead node) and are {@link
 * Answer#NO_ANSWER}.
 */
public final class PortProbe {
  private PortProbe() {}

  public enum Answer {
    /** The handshake completed: something listens there. */
    ACCEPTED,
    /** Reset by the peer's host: the host is there and nothing listens. */
    REFUSED,
    /** No verdict: timeout, unreachable host or network, unresolvable name, malformed address. */
    NO_ANSWER
  }

  /** Connects to {@code hostPort} and closes at once; never throws. */
  public static Answer probe(String hostPort, Duration timeout) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      return Answer.NO_ANSWER;
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      return Answer.NO_ANSWER;
    }
    if (port < 1 || port > 65535) {
      return Answer.NO_ANSWER;
    }
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      return Answer.NO_ANSWER;
    }
    try (Socket socket = new Socket()) {
      socket.connect(address, (int) timeout.toMillis());
      return Answer.ACCEPTED;
    } catch (IOException e) {
      return classify(e);
    }
  }

  /**
   * What a failed connect proves. The JDK throws {@link ConnectException} for ECONNREFUSED but also
   * for ETIMEDOUT, so the message decides; {@link java.net.NoRouteToHostException}, {@link
   * java.net.SocketTimeoutException} and everything else prove nothing.
   */
  static Answer classify(IOException e) {
    if (e instanceof ConnectException
        && e.getMessage() != null
        && e.getMessage().toLowerCase(Locale.ROOT).contains("connection refused")) {
      return Answer.REFUSED;
    }
    return Answer.NO_ANSWER;
  }
}
