package dev.crawler.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.api.MasterPaths;
import dev.crawler.support.Json;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Crawls through failures of real processes: a worker SIGKILLed, a worker paused past its lease,
 * the leading master SIGKILLed. Each resource has a site of its own, so the site's request counts
 * are exactly what that resource's crawls fetched.
 */
@Tag("process")
class CrawlFailoverTest {
  private static final int WORKER_TTL = 2;
  private static final int PAGES = 40;
  private final List<AutoCloseable> closing = new ArrayList<>();
  private TestingMasterCluster cluster;

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private TestingWorkerProcess worker(String id, String... flags) throws Exception {
    TestingWorkerProcess w = TestingWorkerProcess.start(id, cluster.etcd().endpoint(), cluster.layout().prefix(),
        WORKER_TTL, List.of(flags));
    closing.add(w);
    return w.awaitReady(Duration.ofSeconds(30));
  }

  /** Creates {@code n} resources, each on a site of its own, of {@link #PAGES} pages at depth 3. */
  private Map<String, DemoSite> resources(String prefix, int n) throws Exception {
    Map<String, DemoSite> sites = new java.util.TreeMap<>();
    for (int i = 0; i < n; i++) {
      DemoSite site = DemoSite.start("127.0.0.1", 0, 500, 4, false);
      closing.add(site);
      String name = prefix + "-" + i;
      sites.put(name, site);
      TestingMasterProcess.Response r = cluster.leaderProcess().post(MasterPaths.RESOURCES,
          "{\"name\":\"" + name + "\",\"url\":\"" + site.base("127.0.0.1") + "/\",\"maxPages\":" + PAGES + ",\"maxDepth\":3}");
      assertThat(r.status()).as(r.body()).isEqualTo(201);
    }
    return sites;
  }

  private static Set<String> urls(List<JsonNode> pages, String resource) {
    Set<String> out = new HashSet<>();
    pages.stream().filter(p -> p.path("resource").asText().equals(resource)).forEach(p -> out.add(p.path("url").asText()));
    return out;
  }

  /** Every resource finished, its progress consistent with what its site served and the workers wrote. */
  private void assertEveryResourceCrawledOnce(Map<String, DemoSite> sites, List<TestingWorkerProcess> workers)
      throws Exception {
    for (String name : sites.keySet()) {
      TestingCrawls.awaitFinished(cluster.client(), cluster.layout(), name, Duration.ofSeconds(90));
    }
    List<JsonNode> allPages = new ArrayList<>();
    for (TestingWorkerProcess w : workers) {
      allPages.addAll(w.pages());
    }
    for (var e : sites.entrySet()) {
      JsonNode p = TestingCrawls.progress(cluster.client(), cluster.layout(), e.getKey()).orElseThrow();
      assertThat(p.path("state").asText()).as(e.getKey()).isEqualTo("done");
      assertThat(p.path("done").size()).as(e.getKey()).isEqualTo(PAGES);
      int pages = p.path("pages").asInt();
      // Output: each recorded page exactly once, whichever worker fetched it.
      List<JsonNode> lines = allPages.stream().filter(l -> l.path("resource").asText().equals(e.getKey())).toList();
      assertThat(lines).as(e.getKey() + " page lines").hasSize(pages);
      assertThat(urls(allPages, e.getKey())).hasSize(pages);
      // Fetches: at most one page again per take-over (the one in flight when the resource moved).
      long refetched = e.getValue().hits().entrySet().stream()
          .filter(h -> h.getKey().startsWith("/p/") || h.getKey().equals("/"))
          .mapToInt(h -> h.getValue() - 1).sum();
      assertThat(refetched).as(e.getKey() + " pages fetched twice").isLessThanOrEqualTo(p.path("resumes").asInt());
    }
  }

  @Test
  void aKilledWorkersResourcesMoveAndTheNextWorkerResumesFromTheirProgress() throws Exception {
    cluster = TestingMasterCluster.start(2, 3, List.of("--allow-private-targets"));
    TestingWorkerProcess a = worker("resume-a", "--crawl-delay-ms", "100");
    Map<String, DemoSite> sites = resources("resume", 2);
    for (String name : sites.keySet()) {
      TestingCrawls.awaitProgress(cluster.client(), cluster.layout(), name, Duration.ofSeconds(30),
          p -> p.path("pages").asInt() >= 5);
    }
    TestingWorkerProcess b = worker("resume-b", "--crawl-delay-ms", "100");
    a.signal("KILL");
    a.awaitExit(Duration.ofSeconds(10));
    long killedAt = System.nanoTime();
    for (String name : sites.keySet()) {
      JsonNode taken = TestingCrawls.awaitProgress(cluster.client(), cluster.layout(), name, Duration.ofSeconds(30),
          p -> p.path("worker").asText().equals("resume-b"));
      assertThat(taken.path("resumes").asInt()).isEqualTo(1);
      assertThat(taken.path("done").size()).isGreaterThan(5);
    }
    System.out.printf("worker kill -> both resources resumed by the next worker in %d ms (worker TTL %d s)%n",
        (System.nanoTime() - killedAt) / 1_000_000, WORKER_TTL);
    assertEveryResourceCrawledOnce(sites, List.of(a, b));
    assertThat(b.metrics()).contains("crawler_worker_resumes_total 2.0");
  }

  @Test
  void theLeaderKilledMidCrawlLosesNoResourceAndCrawlingGoesOn() throws Exception {
    cluster = TestingMasterCluster.start(3, 3, List.of("--allow-private-targets"));
    TestingWorkerProcess a = worker("lead-a", "--crawl-delay-ms", "100");
    TestingWorkerProcess b = worker("lead-b", "--crawl-delay-ms", "100");
    Map<String, DemoSite> sites = resources("lead", 4);
    for (String name : sites.keySet()) {
      TestingCrawls.awaitProgress(cluster.client(), cluster.layout(), name, Duration.ofSeconds(30),
          p -> p.path("pages").asInt() >= 3);
    }
    TestingMasterProcess leader = cluster.leaderProcess();
    leader.signal("KILL");
    cluster.awaitLeaderInEtcd(Duration.ofSeconds(15), l -> !l.info().orElseThrow().id().equals(leader.id()));
    assertEveryResourceCrawledOnce(sites, List.of(a, b));
    // Nobody moved: the workers lived, so no resource changed hands and nothing was fetched twice.
    for (String name : sites.keySet()) {
      assertThat(TestingCrawls.progress(cluster.client(), cluster.layout(), name).orElseThrow().path("resumes").asInt())
          .isZero();
    }
    TestingMasterProcess survivor = cluster.masters().stream().filter(m -> !m.id().equals(leader.id())).findFirst()
        .orElseThrow();
    JsonNode list = Json.MAPPER.readTree(survivor.get(MasterPaths.RESOURCES).body());
    assertThat(list).hasSize(4);
  }

  @Test
  void aWorkerPausedPastItsLeaseRecordsNothingMoreForTheResourcesThatMoved() throws Exception {
    cluster = TestingMasterCluster.start(2, 3, List.of("--allow-private-targets"));
    TestingWorkerProcess a = worker("pause-a", "--crawl-delay-ms", "100");
    Map<String, DemoSite> sites = resources("pause", 2);
    for (String name : sites.keySet()) {
      TestingCrawls.awaitProgress(cluster.client(), cluster.layout(), name, Duration.ofSeconds(30),
          p -> p.path("pages").asInt() >= 3);
    }
    TestingWorkerProcess b = worker("pause-b", "--crawl-delay-ms", "100");
    a.signal("STOP");
    try {
      for (String name : sites.keySet()) {
        TestingCrawls.awaitProgress(cluster.client(), cluster.layout(), name, Duration.ofSeconds(30),
            p -> p.path("worker").asText().equals("pause-b"));
      }
    } finally {
      a.signal("CONT");
    }
    assertEveryResourceCrawledOnce(sites, List.of(a, b));
    for (String name : sites.keySet()) {
      assertThat(TestingCrawls.progress(cluster.client(), cluster.layout(), name).orElseThrow().path("worker").asText())
          .isEqualTo("pause-b");
    }
    // The paused worker noticed its lease was gone and registered again; it crawls nothing of theirs.
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline && a.status(MasterPaths.READYZ) != 200) {
      Thread.sleep(100);
    }
    assertThat(a.status(MasterPaths.READYZ)).isEqualTo(200);
    assertThat(a.log()).containsPattern("lease [0-9a-f]+ is lost");
    assertThat(java.util.regex.Pattern.compile("registered as pause-a at \\S+ \\(lease ([0-9a-f]+)").matcher(a.log())
        .results().map(m -> m.group(1)).distinct().count()).as("leases pause-a registered with").isEqualTo(2);
  }
}
