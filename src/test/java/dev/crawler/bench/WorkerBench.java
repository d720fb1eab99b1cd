package dev.crawler.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.api.KeyLayout;
import dev.crawler.api.MasterPaths;
import dev.crawler.site.DemoSite;
import dev.crawler.testing.TestingCrawls;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingMasterProcess;
import dev.crawler.testing.TestingWorkerProcess;
import dev.crawler.worker.Frontier;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jsoup.Jsoup;

/**
 * The workers' figures beside a peer: pages per second of one real worker against the local site
 * with the per-host delay off (each page checkpointed in etcd before it is written out), beside a
 * bare fetch-and-parse loop over the same pages with no etcd at all (the peer: what fetching and
 * parsing alone cost here); and the hand-off of a resource from a worker that died to a live one,
 * on SIGTERM (the lease revoked) and on SIGKILL (the lease expires after its TTL).
 */
final class WorkerBench {
  static final int PAGES = 300;
  private static final int TTL = 2;

  private final TestingEtcd etcd;
  private final Client client;

  WorkerBench(TestingEtcd etcd, Client client) {
    this.etcd = etcd;
    this.client = client;
  }

  /** Pages per second of one worker crawling {@link #PAGES} pages, one sample per trial. */
  List<Double> pagesPerSecond(int trials) throws Exception {
    List<Double> out = new ArrayList<>();
    KeyLayout layout = new KeyLayout("/bench/workers/throughput");
    try (TestingMasterProcess master = TestingMasterProcess.start("bm-0", etcd.endpoint(), layout.prefix(), 5,
            List.of("--allow-private-targets"));
        TestingWorkerProcess worker = TestingWorkerProcess.start("bw-0", etcd.endpoint(), layout.prefix(), TTL,
            List.of("--crawl-delay-ms", "0"))) {
      master.awaitReady(Duration.ofSeconds(60));
      worker.awaitReady(Duration.ofSeconds(60));
      for (int t = 0; t < trials + 1; t++) {
        try (DemoSite site = DemoSite.start("127.0.0.1", 0, 5000, 8, false)) {
          String name = "tp-" + t;
          long t0 = System.nanoTime();
          create(master, name, site.base("127.0.0.1") + "/", PAGES, 5);
          JsonNode p = TestingCrawls.awaitFinished(client, layout, name, Duration.ofSeconds(120));
          double s = (System.nanoTime() - t0) / 1e9;
          if (t > 0) { // the first trial warms the JIT
            out.add(Math.round(p.path("pages").asInt() / s * 10) / 10.0);
          }
        }
      }
    }
    return out;
  }

  /** The peer: the same breadth-first pages fetched and parsed in one loop, no etcd, no checkpoints. */
  List<Double> bareLoopPagesPerSecond(int trials) throws Exception {
    List<Double> out = new ArrayList<>();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (int t = 0; t < trials + 1; t++) {
      try (DemoSite site = DemoSite.start("127.0.0.1", 0, 5000, 8, false)) {
        Frontier f = Frontier.start(site.base("127.0.0.1") + "/", PAGES, 5);
        int pages = 0;
        long t0 = System.nanoTime();
        while (f.next().isPresent()) {
          Frontier.Entry e = f.next().get();
          List<String> links = new ArrayList<>();
          if (!e.url().contains("/private/")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(e.url())).build(),
                HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
              pages++;
              Jsoup.parse(r.body(), e.url()).select("a[href]").forEach(a -> links.add(a.absUrl("href")));
            }
          }
          f.attempted(e, links);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (t > 0) {
          out.add(Math.round(pages / s * 10) / 10.0);
        }
      }
    }
    return out;
  }

  /**
   * Milliseconds from the signal to the first progress the next worker records for the resource
   * it took over (it resumed crawling).
   */
  List<Double> handoff(String signal, int trials) throws Exception {
    List<Double> out = new ArrayList<>();
    KeyLayout layout = new KeyLayout("/bench/workers/handoff-" + signal.toLowerCase());
    try (TestingMasterProcess master = TestingMasterProcess.start("hm-" + signal, etcd.endpoint(), layout.prefix(), 5,
            List.of("--allow-private-targets"))) {
      master.awaitReady(Duration.ofSeconds(60));
      for (int t = 0; t < trials; t++) {
        try (DemoSite site = DemoSite.start("127.0.0.1", 0, 5000, 8, false);
            TestingWorkerProcess a = TestingWorkerProcess.start("ha-" + t, etcd.endpoint(), layout.prefix(), TTL,
                List.of("--crawl-delay-ms", "50"))) {
          a.awaitReady(Duration.ofSeconds(60));
          String name = "ho-" + t;
          create(master, name, site.base("127.0.0.1") + "/", 2000, 6);
          TestingCrawls.awaitProgress(client, layout, name, Duration.ofSeconds(30), p -> p.path("pages").asInt() >= 5);
          try (TestingWorkerProcess b = TestingWorkerProcess.start("hb-" + t, etcd.endpoint(), layout.prefix(), TTL,
              List.of("--crawl-delay-ms", "50"))) {
            b.awaitReady(Duration.ofSeconds(60));
            long t0 = System.nanoTime();
            a.signal(signal);
            TestingCrawls.awaitProgress(client, layout, name, Duration.ofSeconds(30),
                p -> p.path("worker").asText().equals(b.id()));
            out.add((System.nanoTime() - t0) / 1e6);
            master.delete(MasterPaths.resource(name));
          }
        }
      }
    }
    return out;
  }

  private static void create(TestingMasterProcess master, String name, String url, int pages, int depth) throws Exception {
    TestingMasterProcess.Response r = master.post(MasterPaths.RESOURCES,
        "{\"name\":\"" + name + "\",\"url\":\"" + url + "\",\"maxPages\":" + pages + ",\"maxDepth\":" + depth + "}");
    if (r.status() != 201) {
      throw new IllegalStateException("POST " + name + ": " + r.status() + " " + r.body());
    }
  }
}
