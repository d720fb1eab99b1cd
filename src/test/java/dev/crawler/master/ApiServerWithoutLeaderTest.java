package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.KeyLayout;
import dev.crawler.api.MasterPaths;
import dev.crawler.election.LeaderInfo;
import dev.crawler.election.LeadershipLoop;
import dev.crawler.testing.TestingEtcd;
import io.etcd.jetcd.Client;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
          new LeadershipLoop(client, layout.election(), new LeaderInfo("lonely", "127.0.0.1:1"),
              Duration.ofSeconds(2), fence -> Thread.sleep(Long.MAX_VALUE));
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
      }
    }
  }
}
