package dev.crawler.operator.rollout;

import dev.crawler.api.MasterPaths;
import dev.crawler.support.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** The operator's client of a master replica's HTTP API (paths from {@link MasterPaths}). */
public final class MasterApiClient {
  /** Longer than a replica takes to answer a switchover, forwarding included. */
  private static final Duration SWITCHOVER_TIMEOUT = MasterPaths.SWITCHOVER_ANSWER_WITHIN.plusSeconds(5);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();

  /** Asks the replica at {@code address} (host:port; any replica forwards to the leader) for a switchover. */
  public SwitchoverOutcome switchover(String address, Optional<String> candidate) throws InterruptedException {
    try {
      byte[] body = candidate.isPresent() ? Json.MAPPER.writeValueAsBytes(Map.of("candidate", candidate.get())) : new byte[0];
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + MasterPaths.SWITCHOVER))
          .timeout(SWITCHOVER_TIMEOUT)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
          .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return SwitchoverOutcome.of(candidate, response.statusCode(), response.body());
    } catch (IOException | IllegalArgumentException e) {
      return SwitchoverOutcome.failed("cannot reach the leader at " + address + ": " + e);
    }
  }
}
