package dev.crawler.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.api.MasterPaths;
import dev.crawler.site.DemoSite;
import dev.crawler.testing.TestingCrawls;
import dev.crawler.testing.TestingMasterCluster;
import dev.crawler.testing.TestingMasterProcess;
import dev.crawler.testing.TestingWorkerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real masters, real workers, real sites on loopback: what a crawl does from the worker's side.
 * One etcd and two masters serve every test; each test has its own workers, resources and sites.
 */
@Tag("process")
class WorkerCrawlTest {
  private static final int WORKER_TTL = 2;
  private static TestingMasterCluster cluster;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeAll
  static void masters() throws Exception {
    cluster = TestingMasterCluster.start(2, 3, List.of("--allow-private-targets"));
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  /** Each test starts with no resources: the least-loaded rule counts every resource of the cluster. */
  @org.junit.jupiter.api.AfterEach
  void closeWorkersAndSitesAndDeleteResources() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    TestingMasterProcess leader = cluster.leaderProcess();
    for (JsonNode r : dev.crawler.support.Json.MAPPER.readTree(leader.get(MasterPaths.RESOURCES).body())) {
      leader.delete(MasterPaths.resource(r.path("name").asText()));
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(c);
    return c;
  }

  private TestingWorkerProcess worker(String id, String... flags) throws Exception {
    return closeLater(TestingWorkerProcess.start(id, cluster.etcd().endpoint(), cluster.layout().prefix(), WORKER_TTL,
        List.of(flags)));
  }

  private DemoSite site(int pages, boolean disallowAll) throws Exception {
    return closeLater(DemoSite.start("127.0.0.1", 0, pages, 4, disallowAll));
  }

  private JsonNode create(String name, String url, int maxPages, int maxDepth) throws Exception {
    TestingMasterProcess leader = cluster.leaderProcess();
    TestingMasterProcess.Response r = leader.post(MasterPaths.RESOURCES,
        "{\"name\":\"" + name + "\",\"url\":\"" + url + "\",\"maxPages\":" + maxPages + ",\"maxDepth\":" + maxDepth + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return dev.crawler.support.Json.MAPPER.readTree(r.body());
  }

  /** Waits until the registered workers are exactly {@code ids} (the previous test's have expired). */
  private static void awaitWorkers(String... ids) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Set<String> seen = Set.of();
    while (System.nanoTime() < deadline) {
      JsonNode list = dev.crawler.support.Json.MAPPER.readTree(cluster.leaderProcess().get(MasterPaths.WORKERS).body());
      Set<String> now = new HashSet<>();
      list.forEach(w -> now.add(w.path("id").asText()));
      if (now.equals(Set.of(ids))) {
        return;
      }
      seen = now;
      Thread.sleep(100);
    }
    throw new AssertionError("registered workers " + seen + ", expected " + List.of(ids));
  }

  private static int hitsUnder(DemoSite site, String prefix) {
    return site.hits().entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToInt(Map.Entry::getValue).sum();
  }

  @Test
  void resourcesAreCrawledByTheirAssignedWorkerOnlyWithinTheirLimits() throws Exception {
    TestingWorkerProcess a = worker("crawl-a").awaitReady(Duration.ofSeconds(30));
    TestingWorkerProcess b = worker("crawl-b").awaitReady(Duration.ofSeconds(30));
    awaitWorkers("crawl-a", "crawl-b");
    Map<String, DemoSite> sites = Map.of("limits-1", site(200, false), "limits-2", site(200, false),
        "limits-3", site(200, false), "limits-4", site(200, false));
    Map<String, String> assigned = new java.util.TreeMap<>();
    for (var e : sites.entrySet()) {
      assigned.put(e.getKey(), create(e.getKey(), e.getValue().base("127.0.0.1") + "/", 30, 2).path("worker").asText());
    }
    assertThat(new HashSet<>(assigned.values())).containsExactlyInAnyOrder("crawl-a", "crawl-b");

    for (var e : sites.entrySet()) {
      String name = e.getKey();
      DemoSite site = e.getValue();
      JsonNode p = TestingCrawls.awaitFinished(cluster.client(), cluster.layout(), name, Duration.ofSeconds(60));
      assertThat(p.path("state").asText()).isEqualTo("done");
      assertThat(p.path("worker").asText()).isEqualTo(assigned.get(name));
      // Depth 2 with fanout 4: the start page, 4 children, 16 grandchildren; links into /private/
      // are attempted as robots-disallowed and never requested; the other host is never followed.
      assertThat(p.path("pages").asInt()).isEqualTo(site.reachable(2)).isEqualTo(21);
      // One link into /private/ on each page that is followed (depth 0 and 1): 5.
      assertThat(p.path("errors").path("robots_disallowed").asInt()).isEqualTo(5);
      assertThat(p.path("done").size()).isEqualTo(26);
      assertThat(hitsUnder(site, "/private/")).isZero();
      // Every page once, robots.txt once: nothing fetched twice.
      assertThat(site.hits()).allSatisfy((path, n) -> assertThat(n).as(path).isEqualTo(1));
      assertThat(hitsUnder(site, "/p/")).isEqualTo(20);
    }
    for (TestingWorkerProcess w : List.of(a, b)) {
      Set<String> mine = new HashSet<>();
      assigned.forEach((r, who) -> {
        if (who.equals(w.id())) {
          mine.add(r);
        }
      });
      List<JsonNode> pages = w.pages();
      assertThat(pages).allSatisfy(page -> {
        assertThat(page.path("worker").asText()).isEqualTo(w.id());
        assertThat(mine).contains(page.path("resource").asText());
      });
      assertThat(pages).hasSize(21 * mine.size());
      assertThat(w.metrics()).contains("crawler_worker_pages_total " + (21.0 * mine.size()));
    }
  }

  @Test
  void aDeletedResourceStopsItsCrawlWithinASecond() throws Exception {
    worker("delete-a", "--crawl-delay-ms", "100").awaitReady(Duration.ofSeconds(30));
    DemoSite site = site(500, false);
    create("deleted", site.base("127.0.0.1") + "/", 400, 5);
    TestingCrawls.awaitProgress(cluster.client(), cluster.layout(), "deleted", Duration.ofSeconds(30),
        p -> p.path("pages").asInt() >= 5);
    long deletedAt = System.currentTimeMillis();
    assertThat(cluster.leaderProcess().delete(MasterPaths.resource("deleted")).status()).isEqualTo(204);
    int hitsAtDelete = site.hits().values().stream().mapToInt(Integer::intValue).sum();
    Thread.sleep(2000);
    long stoppedAfter = site.lastHitMillis() - deletedAt;
    assertThat(stoppedAfter).as("last request after the delete, ms").isLessThan(1000);
    assertThat(site.hits().values().stream().mapToInt(Integer::intValue).sum() - hitsAtDelete).isLessThanOrEqualTo(10);
    assertThat(TestingCrawls.progress(cluster.client(), cluster.layout(), "deleted")).isEmpty();
  }

  @Test
  void badTargetsEndWithAClearErrorAndTheWorkerGoesOn() throws Exception {
    TestingWorkerProcess w = worker("strict", "--allow-private-targets", "false").awaitReady(Duration.ofSeconds(30));
    DemoSite open = site(50, false);
    create("private-target", open.base("127.0.0.1") + "/", 10, 1);
    JsonNode p = TestingCrawls.awaitFinished(cluster.client(), cluster.layout(), "private-target", Duration.ofSeconds(30));
    assertThat(p.path("state").asText()).isEqualTo("failed");
    assertThat(p.path("error").asText()).contains("127.0.0.1").contains("--allow-private-targets");
    assertThat(p.path("errors").path("private_address").asInt()).isEqualTo(1);
    assertThat(open.hits()).isEmpty();
    assertThat(w.metrics()).contains("crawler_worker_fetch_errors_total{kind=\"private_address\"} 1.0");
    assertThat(w.status(MasterPaths.READYZ)).isEqualTo(200);
  }

  @Test
  void oversizedPagesRobotsThatDisallowEverythingAndSilentSitesEachFailTheirResourceOnly() throws Exception {
    TestingWorkerProcess w = worker("lenient").awaitReady(Duration.ofSeconds(30));
    DemoSite open = site(50, false);
    DemoSite closed = site(50, true);
    create("too-big", open.base("127.0.0.1") + "/big", 10, 1);
    create("disallowed", closed.base("127.0.0.1") + "/", 10, 1);
    create("silent", open.base("127.0.0.1") + "/never", 10, 1);

    JsonNode big = TestingCrawls.awaitFinished(cluster.client(), cluster.layout(), "too-big", Duration.ofSeconds(30));
    assertThat(big.path("state").asText()).isEqualTo("failed");
    assertThat(big.path("error").asText()).contains("over the cap");
    assertThat(big.path("errors").path("too_large").asInt()).isEqualTo(1);

    JsonNode robots = TestingCrawls.awaitFinished(cluster.client(), cluster.layout(), "disallowed", Duration.ofSeconds(30));
    assertThat(robots.path("state").asText()).isEqualTo("failed");
    assertThat(robots.path("error").asText()).contains("robots.txt disallows");
    assertThat(closed.hits()).containsOnlyKeys("/robots.txt");

    JsonNode silent = TestingCrawls.awaitFinished(cluster.client(), cluster.layout(), "silent", Duration.ofSeconds(60));
    assertThat(silent.path("state").asText()).isEqualTo("failed");
    assertThat(silent.path("errors").path("timeout").asInt()).isEqualTo(1);
    assertThat(open.hits().get("/never")).isEqualTo(1);

    assertThat(w.metrics()).contains("crawler_worker_fetch_errors_total{kind=\"too_large\"} 1.0")
        .contains("crawler_worker_fetch_errors_total{kind=\"timeout\"} 1.0")
        .contains("crawler_worker_crawls_total{outcome=\"failed\"} 3.0");
    assertThat(w.isAlive()).isTrue();
    assertThat(w.status(MasterPaths.READYZ)).isEqualTo(200);
  }
}
