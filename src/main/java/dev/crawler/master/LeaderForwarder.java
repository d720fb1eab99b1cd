package dev.crawler.master;

import com.sun.net.httpserver.HttpExchange;
import dev.crawler.api.MasterPaths;
import dev.crawler.election.Candidate;
import dev.crawler.master.leadership.LeadershipLoop;
import java.io.IOException;
import java.io.InputStream;
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
 *
 * <p>It forwards only to a leader address that {@link Peers} accepts, rebuilt from its host and
 * port: a value written into the election by anyone else is answered 503 with the reason and
 * counted, never requested. The leader's answer is relayed up to {@link #MAX_RELAYED_BYTES}.
 */
final class LeaderForwarder {
  /** The largest answer of a leader that is relayed; a larger one is answered 502. */
  static final int MAX_RELAYED_BYTES = 4 * 1024 * 1024;
  /** How long a request handler may wait for etcd to say who leads. */
  static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final String RETRY_AFTER_SECONDS = "1";
  private static final Duration READY_TIMEOUT = Duration.ofMillis(500);

  private final LeadershipLoop loop;
  private final Peers peers;
  private final MasterMetrics metrics;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1).build();

  LeaderForwarder(LeadershipLoop loop, Peers peers, MasterMetrics metrics) {
    this.loop = loop;
    this.peers = peers;
    this.metrics = metrics;
  }

  void forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
    if (exchange.getRequestHeaders().containsKey(MasterPaths.FORWARDED_BY_HEADER)) {
      unavailable(exchange, "this replica is not the leader (any more); retry");
      return;
    }
    Optional<Candidate> leader;
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
    Peers.Result target = peers.check(address);
    if (target.refusal() != null) {
      metrics.forwardRefused(target.refusal().reason());
      unavailable(exchange, "not forwarding to leader " + leader.get().id() + ": " + target.refusal().message());
      return;
    }
    String query = exchange.getRequestURI().getRawQuery();
    URI uri =
        URI.create(target.target().baseUri() + exchange.getRequestURI().getRawPath() + (query == null ? "" : "?" + query));
    Duration timeout = MasterPaths.SWITCHOVER.equals(exchange.getRequestURI().getPath())
        ? MasterPaths.SWITCHOVER_ANSWER_WITHIN
        : REQUEST_TIMEOUT;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header(MasterPaths.FORWARDED_BY_HEADER, loop.self().id())
            .header(MasterPaths.FORWARD_DEADLINE_HEADER, ForwardDeadline.header(System.currentTimeMillis(), timeout))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<InputStream> response;
    byte[] answer;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        answer = in.readNBytes(MAX_RELAYED_BYTES + 1);
      }
    } catch (IOException e) {
      unavailable(exchange, "leader " + leader.get().id() + " at " + address + " unreachable: " + e);
      return;
    }
    if (answer.length > MAX_RELAYED_BYTES) {
      HttpExchanges.sendError(
          exchange, 502, "the leader's answer is larger than " + MAX_RELAYED_BYTES + " bytes; not relayed");
      return;
    }
    for (String header : new String[] {MasterPaths.SERVED_BY_HEADER, "Retry-After", "Allow"}) {
      response.headers().firstValue(header).ifPresent(v -> exchange.getResponseHeaders().set(header, v));
    }
    HttpExchanges.send(
        exchange,
        response.statusCode(),
        response.headers().firstValue("Content-Type").orElse(null),
        answer);
  }

  /** Whether a peer answers its {@link MasterPaths#READYZ} with 200 within a short timeout. */
  boolean isReady(Candidate peer) {
    Optional<String> address = peer.info().map(i -> i.address());
    if (address.isEmpty()) {
      return false;
    }
    // Candidates' values are as untrusted as the leader's: only a replica's host:port is asked.
    Peers.Result target = peers.check(address.get());
    if (target.refusal() != null) {
      metrics.forwardRefused(target.refusal().reason());
      return false;
    }
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create(target.target().baseUri() + MasterPaths.READYZ))
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
