package dev.crawler.operator.rollout;

import dev.crawler.api.MasterPaths;
import dev.crawler.support.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The operator's client of a master replica's HTTP API (paths from {@link MasterPaths}). What it reads
 * back is bounded in time (the whole answer, body included, within the timeout) and in size (at most
 * {@link #MAX_BODY_BYTES} of the body are kept; the rest is not read), so an address that does not
 * behave like a replica can neither hold a reconcile nor fill the operator's heap.
 */
public final class MasterApiClient {
  /** Longer than a replica takes to answer a switchover, forwarding included. */
  static final Duration SWITCHOVER_TIMEOUT = MasterPaths.SWITCHOVER_ANSWER_WITHIN.plusSeconds(5);
  /** A replica's answer is a small JSON object. */
  static final int MAX_BODY_BYTES = 16 * 1024;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();
  private final Duration timeout;

  public MasterApiClient() {
    this(SWITCHOVER_TIMEOUT);
  }

  MasterApiClient(Duration timeout) {
    this.timeout = timeout;
  }

  /** Asks the replica at {@code address} (host:port; any replica forwards to the leader) for a switchover. */
  public SwitchoverOutcome switchover(String address, Optional<String> candidate) throws InterruptedException {
    CompletableFuture<HttpResponse<String>> answer = null;
    try {
      byte[] body = candidate.isPresent() ? Json.MAPPER.writeValueAsBytes(Map.of("candidate", candidate.get())) : new byte[0];
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + MasterPaths.SWITCHOVER))
          .timeout(timeout)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
          .build();
      answer = http.sendAsync(request, info -> new CappedBody(MAX_BODY_BYTES));
      HttpResponse<String> response = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return SwitchoverOutcome.of(candidate, response.statusCode(), response.body());
    } catch (TimeoutException e) {
      answer.cancel(true);
      return SwitchoverOutcome.failed("no answer from the leader at " + address + " within " + timeout.toSeconds() + " s");
    } catch (ExecutionException e) {
      return SwitchoverOutcome.failed("cannot reach the leader at " + address + ": " + e.getCause());
    } catch (IOException | IllegalArgumentException e) {
      return SwitchoverOutcome.failed("cannot reach the leader at " + address + ": " + e);
    }
  }

  /** The body as UTF-8 text, its first {@code max} bytes only; the subscription is cancelled beyond them. */
  static final class CappedBody implements HttpResponse.BodySubscriber<String> {
    private final int max;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<String> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    CappedBody(int max) {
      this.max = max;
    }

    @Override
    public CompletionStage<String> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer b : buffers) {
        int n = Math.min(b.remaining(), max - bytes.size());
        byte[] chunk = new byte[n];
        b.get(chunk);
        bytes.write(chunk, 0, n);
        if (bytes.size() >= max) {
          subscription.cancel();
          result.complete(bytes.toString(StandardCharsets.UTF_8) + "… (cut at " + max + " bytes)");
          return;
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(bytes.toString(StandardCharsets.UTF_8));
    }
  }
}
