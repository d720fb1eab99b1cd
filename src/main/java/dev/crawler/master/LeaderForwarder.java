package dev.crawler.master;

import com.sun.net.httpserver.HttpExchange;
import dev.crawler.api.MasterPaths;
import dev.crawler.election.Leader;
import dev.crawler.election.LeadershipLoop;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Sends a leader-only request that reached a follower on to the leader and relays the answer,
 * including the leader's {@link MasterPaths#SERVED_BY_HEADER}. When no leader can be reached it answers
 * 503 with Retry-After: leadership changes take about a lease TTL at worst.
 */
final class LeaderForwarder {
  /** How long a request handler may wait for etcd to say who leads. */
  static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final String RETRY_AFTER_SECONDS = "1";
  private static final Duration READY_TIMEOUT = Duration.ofMillis(500);

  private final LeadershipLoop loop;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1).build();

  LeaderForwarder(LeadershipLoop loop) {
    this.loop = loop;
  }

  void forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
    if (exchange.getRequestHeaders().containsKey(MasterPaths.FORWARDED_BY_HEADER)) {
      unavailable(exchange, "this replica is not the leader (any more); retry");
      return;
    }
    Optional<Leader> leader;
    try {
      leader = loop.currentLeader(LOOKUP_TIMEOUT);
    } catch (ExecutionException | TimeoutException e) {
      unavailable(exchange, "cannot ask etcd who leads: " + e.getMessage());
      return;
    }
    if (leader.isEmpty()) {
      unavailable(exchange, "no leader elected right now; retry");
      return;
    }
    if (leader.get().id().equals(loop.self().id())) {
      unavailable(exchange, "leadership is changing; retry");
      return;
    }
    String address = leader.get().info().orElseThrow().address();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + address + exchange.getRequestURI()))
            .timeout(REQUEST_TIMEOUT)
            .header(MasterPaths.FORWARDED_BY_HEADER, loop.self().id())
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      unavailable(exchange, "leader " + leader.get().id() + " at " + address + " unreachable: " + e);
      return;
    }
    for (String header : new String[] {MasterPaths.SERVED_BY_HEADER, "Retry-After", "Allow"}) {
      response.headers().firstValue(header).ifPresent(v -> exchange.getResponseHeaders().set(header, v));
    }
    HttpExchanges.send(
        exchange,
        response.statusCode(),
        response.headers().firstValue("Content-Type").orElse(null),
        response.body());
  }

  /** Whether a peer answers its {@link MasterPaths#READYZ} with 200 within a short timeout. */
  boolean isReady(Leader peer) {
    Optional<String> address = peer.info().map(i -> i.address());
    if (address.isEmpty()) {
      return false;
    }
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address.get() + MasterPaths.READYZ))
          .timeout(READY_TIMEOUT).GET().build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException | IllegalArgumentException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static void unavailable(HttpExchange exchange, String why) throws IOException {
    exchange.getResponseHeaders().set("Retry-After", RETRY_AFTER_SECONDS);
    HttpExchanges.sendError(exchange, 503, why);
  }
}
