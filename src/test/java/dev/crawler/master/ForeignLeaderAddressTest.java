package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crawler.api.MasterPaths;
import dev.crawler.election.CandidateInfo;
import dev.crawler.testing.TestingCandidate;
import dev.crawler.testing.TestingMasterCluster;
import dev.crawler.testing.TestingMasterProcess;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Anyone who can write to the election prefix can make a value lead; followers must not let that
 * value aim their requests anywhere.
 */
@Tag("process")
@Tag("etcd")
class ForeignLeaderAddressTest {

  @Test
  void followersAnswer503AndSendNothingWhenTheLeaderAddressIsNotAReplica() throws Exception {
    try (TestingMasterCluster cluster = TestingMasterCluster.start(0, 2);
        ServerSocket trap = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = trap.getLocalPort();
      String election = cluster.layout().election();
      String withPath = new String(
          new CandidateInfo("intruder", "127.0.0.1:" + port + "/admin?x=").toJson(), StandardCharsets.UTF_8);
      String otherPort = new String(
          new CandidateInfo("intruder-2", "127.0.0.1:" + port).toJson(), StandardCharsets.UTF_8);
      try (TestingCandidate first = TestingCandidate.raw(cluster.client(), election, withPath, 30);
          TestingCandidate second = TestingCandidate.raw(cluster.client(), election, otherPort, 30)) {
        first.campaign().get(10, TimeUnit.SECONDS);
        second.campaign();
        List<String> peerService = List.of("--peer-service", "localhost");
        TestingMasterProcess a = cluster.startMaster("m-0", peerService).awaitReady(Duration.ofSeconds(60));
        TestingMasterProcess b = cluster.startMaster("m-1", peerService).awaitReady(Duration.ofSeconds(60));

        for (TestingMasterProcess m : List.of(a, b)) {
          var r = m.post(MasterPaths.RESOURCES, "{\"name\":\"r\",\"url\":\"https://example.com/\"}");
          assertThat(r.status()).as(r.body()).isEqualTo(503);
          assertThat(r.retryAfter()).isNotNull();
          assertThat(r.body()).contains("intruder").contains("is not host:port");
        }

        first.resign();
        cluster.awaitLeaderInEtcd(Duration.ofSeconds(10), l -> l.id().equals("intruder-2"));
        for (TestingMasterProcess m : List.of(a, b)) {
          var r = m.delete(MasterPaths.resource("r"));
          assertThat(r.status()).as(r.body()).isEqualTo(503);
          assertThat(r.body()).contains("is not a replica of this cluster").contains("port");
          String metrics = m.get(MasterPaths.METRICS).body();
          assertThat(metrics)
              .contains("crawler_master_forward_refusals_total{reason=\"malformed\"} 1.0")
              .contains("crawler_master_forward_refusals_total{reason=\"not_a_peer\"} 1.0");
        }
      }
      // Every request above was answered before this point: a connection would be waiting.
      trap.setSoTimeout(200);
      assertThatThrownBy(trap::accept).isInstanceOf(SocketTimeoutException.class);
    }
  }
}
