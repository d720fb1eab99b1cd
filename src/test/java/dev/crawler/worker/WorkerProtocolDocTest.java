package dev.crawler.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.api.MasterPaths;
import dev.crawler.support.Json;
import dev.crawler.site.DemoSite;
import dev.crawler.testing.TestingCrawls;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingMasterCluster;
import dev.crawler.testing.TestingWorkerProcess;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * docs/worker-protocol.md against the real thing: every example value in it has exactly the fields,
 * of the same JSON kinds, as the keys a real master and a real worker wrote, and the page line a
 * real worker printed.
 */
@Tag("process")
class WorkerProtocolDocTest {
  private static final Pattern EXAMPLE = Pattern.compile("```json (key=\\S+|page)\\n(.*?)\\n```", Pattern.DOTALL);

  static Map<String, JsonNode> examples() throws Exception {
    String doc = Files.readString(TestingKubeApiServer.projectDir().resolve("docs/worker-protocol.md"));
    Map<String, JsonNode> out = new LinkedHashMap<>();
    Matcher m = EXAMPLE.matcher(doc);
    while (m.find()) {
      out.put(m.group(1), Json.MAPPER.readTree(m.group(2)));
    }
    return out;
  }

  /** Field name -> JSON kind, nested objects and the first element of arrays included ("a.b", "c[]"). */
  static Map<String, String> shape(JsonNode node) {
    Map<String, String> out = new java.util.TreeMap<>();
    shape("", node, out);
    return out;
  }

  private static void shape(String path, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> {
        String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        out.put(p, kind(e.getValue()));
        // Maps keyed by data (error kinds) are compared as maps, not by their keys.
        if (!e.getKey().equals("errors")) {
          shape(p, e.getValue(), out);
        }
      });
    } else if (node.isArray() && node.size() > 0) {
      out.put(path + "[]", kind(node.get(0)));
      shape(path + "[]", node.get(0), out);
    }
  }

  private static String kind(JsonNode n) {
    // null stands for "absent value" (an unassigned worker, no error): it matches a string.
    return n.isNull() || n.isTextual() ? "text" : n.isNumber() ? "number" : n.isArray() ? "array"
        : n.isObject() ? "object" : n.isBoolean() ? "boolean" : "other";
  }

  @Test
  void everyExampleHasTheFieldsOfTheRealKeysAndPageLines() throws Exception {
    Map<String, JsonNode> examples = examples();
    assertThat(examples.keySet()).containsExactly(
        "key=<p>/workers/<id>", "key=<p>/resources/<name>", "key=<p>/progress/<name>", "page");

    try (TestingMasterCluster cluster = TestingMasterCluster.start(1, 3, List.of("--allow-private-targets"));
        DemoSite site = DemoSite.start("127.0.0.1", 0, 200, 4, false);
        TestingWorkerProcess worker = TestingWorkerProcess.start("doc-worker", cluster.etcd().endpoint(),
            cluster.layout().prefix(), 2, List.of("--crawl-delay-ms", "150"))) {
      worker.awaitReady(Duration.ofSeconds(30));
      assertThat(cluster.leaderProcess().post(MasterPaths.RESOURCES,
          "{\"name\":\"docs\",\"url\":\"" + site.base("127.0.0.1") + "/\",\"maxPages\":12,\"maxDepth\":3}").status())
          .isEqualTo(201);
      JsonNode crawling = TestingCrawls.awaitProgress(cluster.client(), cluster.layout(), "docs", Duration.ofSeconds(30),
          p -> p.path("state").asText().equals("crawling") && p.path("frontier").size() > 0 && p.path("done").size() > 1
              && p.path("errors").size() > 0 && !p.path("lastFetch").isNull());
      TestingCrawls.awaitFinished(cluster.client(), cluster.layout(), "docs", Duration.ofSeconds(30));
      JsonNode registration = Json.MAPPER.readTree(cluster.client().getKVClient()
          .get(ByteSequence.from(cluster.layout().worker("doc-worker"), StandardCharsets.UTF_8))
          .get(5, TimeUnit.SECONDS).getKvs().get(0).getValue().getBytes());
      JsonNode resource = TestingCrawls.resource(cluster.client(), cluster.layout(), "docs").orElseThrow();
      JsonNode page = worker.pages().get(1);

      assertThat(shape(examples.get("key=<p>/workers/<id>"))).isEqualTo(shape(registration));
      assertThat(shape(examples.get("key=<p>/resources/<name>"))).isEqualTo(shape(resource));
      assertThat(shape(examples.get("key=<p>/progress/<name>"))).isEqualTo(shape(crawling));
      assertThat(shape(examples.get("page"))).isEqualTo(shape(page));
    }
  }

  @Test
  void theErrorKindsNamedInTheDocAreExactlyTheWorkers() throws Exception {
    String doc = Files.readString(TestingKubeApiServer.projectDir().resolve("docs/worker-protocol.md"));
    Matcher m = Pattern.compile("by kind: (.*?)\\.\\n", Pattern.DOTALL).matcher(doc);
    assertThat(m.find()).isTrue();
    Set<String> named = new TreeSet<>();
    Matcher kinds = Pattern.compile("`([a-z_0-9]+)`").matcher(m.group(1));
    while (kinds.find()) {
      named.add(kinds.group(1));
    }
    List<String> real = new ArrayList<>();
    for (FetchError e : FetchError.values()) {
      real.add(e.label());
    }
    assertThat(named).containsExactlyInAnyOrderElementsOf(real);
  }
}
