package dev.crawler.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.api.KeyLayout;
import dev.crawler.support.Json;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Reads crawl progress ({@code <prefix>/progress/<name>}) and resources straight from etcd. */
public final class TestingCrawls {
  private TestingCrawls() {}

  public static Optional<JsonNode> progress(Client client, KeyLayout layout, String name) throws Exception {
    return value(client, layout.progress(name));
  }

  public static Optional<JsonNode> resource(Client client, KeyLayout layout, String name) throws Exception {
    return value(client, layout.resource(name));
  }

  private static Optional<JsonNode> value(Client client, String key) throws Exception {
    GetResponse r = client.getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
    return r.getKvs().isEmpty() ? Optional.empty() : Optional.of(Json.MAPPER.readTree(r.getKvs().get(0).getValue().getBytes()));
  }

  /** Polls until the resource's progress matches; returns it. */
  public static JsonNode awaitProgress(Client client, KeyLayout layout, String name, Duration timeout,
      Predicate<JsonNode> accept) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Optional<JsonNode> last = Optional.empty();
    while (System.nanoTime() < deadline) {
      last = progress(client, layout, name);
      if (last.isPresent() && accept.test(last.get())) {
        return last.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("progress of " + name + " did not match within " + timeout + "; last: "
        + last.map(JsonNode::toString).orElse("(none)"));
  }

  /** Polls until the progress of {@code name} says done or failed. */
  public static JsonNode awaitFinished(Client client, KeyLayout layout, String name, Duration timeout) throws Exception {
    return awaitProgress(client, layout, name, timeout,
        p -> p.path("state").asText().equals("done") || p.path("state").asText().equals("failed"));
  }
}
