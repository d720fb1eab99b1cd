package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.KeyLayout;
import dev.crawler.api.MasterPaths;
import dev.crawler.election.CandidateInfo;
import dev.crawler.master.leadership.LeadershipLoop;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingLeaderWork;
import io.etcd.jetcd.Client;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A replica that is not (yet) in the election and knows no leader must say so, not hang. */
@Tag("etcd")
class ApiServerWithoutLeaderTest {

  @Test
  void leaderOnlyRequestsAndSwitchoverWithNoLeaderGet503WithRetryAfter() throws Exception {
    try (TestingEtcd etcd = TestingEtcd.startNew();
        Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
      KeyLayout layout = new KeyLayout("/crawler/test/no-leader");
      ClusterStore store = new ClusterStore(client.getKVClient(), layout);
      // Never started: no lease, no campaign, so nobody leads this election.
      LeadershipLoop loop =
          new LeadershipLoop(client, layout.election(), new CandidateInfo("lonely", "127.0.0.1:1"),
              Duration.ofSeconds(2), TestingLeaderWork.idle());
      MasterMetrics metrics = new MasterMetrics();
      try (ApiServer api = new ApiServer(new InetSocketAddress("127.0.0.1", 0), null, loop, store, metrics,
          new LeaderForwarder(loop, Peers.sameHost("127.0.0.1:1"), metrics), CrawlTargets.PUBLIC_ONLY)) {
        api.start();
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + api.port());

        HttpResponse<String> post = http.send(
            HttpRequest.newBuilder(base.resolve(MasterPaths.RESOURCES))
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"a\",\"url\":\"https://example.com\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(503);
        assertThat(post.headers().firstValue("Retry-After")).isPresent();
        assertThat(post.body()).contains("no leader");
        assertThat(post.headers().firstValue(MasterPaths.SERVED_BY_HEADER)).contains("lonely");

        HttpResponse<String> switchover = http.send(
            HttpRequest.newBuilder(base.resolve(MasterPaths.SWITCHOVER))
                .POST(HttpRequest.BodyPublishers.ofString("{\"candidate\":\"m-1\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(switchover.statusCode()).isEqualTo(503);
        assertThat(switchover.body()).contains("no leader");

        HttpResponse<String> ready =
            http.send(HttpRequest.newBuilder(base.resolve(MasterPaths.READYZ)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(503);
        HttpResponse<String> leader =
            http.send(HttpRequest.newBuilder(base.resolve(MasterPaths.LEADER)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(leader.statusCode()).isEqualTo(200);
        assertThat(leader.body()).contains("\"leader\":null").contains("\"role\":\"follower\"");

        // Counted once the answer is sent, by method and status class: the two refused POSTs, the
        // unready /readyz, the answered /leader.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics.scrape())
            .contains("crawler_master_requests_total{code=\"5xx\",method=\"POST\"} 2.0")
            .contains("crawler_master_requests_total{code=\"5xx\",method=\"GET\"} 1.0")
            .contains("crawler_master_requests_total{code=\"2xx\",method=\"GET\"} 1.0"));
      }
    }
  }

  @Test
  void requestsBeyondTheInFlightCapGet503BusyAtOnceWhileEtcdHangs() throws Exception {
    try (TestingEtcd etcd = TestingEtcd.startNew();
        Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
      KeyLayout layout = new KeyLayout("/crawler/test/busy");
      LeadershipLoop loop =
          new LeadershipLoop(client, layout.election(), new CandidateInfo("busy", "127.0.0.1:1"),
              Duration.ofSeconds(2), TestingLeaderWork.idle());
      MasterMetrics metrics = new MasterMetrics();
      metrics.bind(loop);
      try (ApiServer api = new ApiServer(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0),
          loop, new ClusterStore(client.getKVClient(), layout), metrics,
          new LeaderForwarder(loop, Peers.sameHost("127.0.0.1:1"), metrics), CrawlTargets.PUBLIC_ONLY)) {
        api.start();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI base = URI.create("http://127.0.0.1:" + api.port());
        // Connected first, so the hang below is etcd's and not the client's connection setup.
        assertThat(http.send(HttpRequest.newBuilder(base.resolve(MasterPaths.LEADER)).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        etcd.signal("STOP");
        try {
          // Each /leader request waits up to LOOKUP_TIMEOUT for the frozen etcd.
          int requests = ApiServer.MAX_IN_FLIGHT + 8;
          List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
          for (int i = 0; i < requests; i++) {
            answers.add(http.sendAsync(HttpRequest.newBuilder(base.resolve(MasterPaths.LEADER))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
          }
          URI probes = URI.create("http://127.0.0.1:" + api.probePort().orElseThrow());
          assertThat(http.send(HttpRequest.newBuilder(probes.resolve(MasterPaths.HEALTHZ))
              .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
          int busy = 0;
          for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> r = answer.get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            if (r.body().contains("replica busy")) {
              busy++;
            }
          }
          assertThat(busy).isBetween(1, requests - ApiServer.MAX_IN_FLIGHT);
          assertThat(metrics.scrape()).contains("crawler_master_api_busy_rejections_total " + busy + ".0");
          System.out.printf("%d requests while etcd hangs: %d answered busy at once%n", requests, busy);
        } finally {
          etcd.signal("CONT");
        }
      }
    }
  }
}
