package dev.crawler.testing;

import static org.assertj.core.api.Assertions.assertThat;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("etcd")
class TestingEtcdClusterTest {

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** A write in flight while the raft leader dies times out ("request timed out"); clients retry it. */
  private static void putUntilAccepted(Client client, String value, long deadline) throws Exception {
    while (true) {
      try {
        client.getKVClient().put(bytes("/k"), bytes(value)).get(10, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException | TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  @Test
  void writesSurviveKillingTheRaftLeaderAndTheRestartedMemberRejoins() throws Exception {
    try (TestingEtcdCluster cluster = TestingEtcdCluster.start("127.0.0.1", 3, "cluster-test");
        Client client = Client.builder().endpoints(cluster.endpoints().split(",")).build()) {
      client.getKVClient().put(bytes("/k"), bytes("before")).get(10, TimeUnit.SECONDS);
      int leader = cluster.leader().orElseThrow();

      cluster.kill(leader);
      assertThat(cluster.isRunning(leader)).isFalse();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      putUntilAccepted(client, "during", deadline);
      while (cluster.leader().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(cluster.leader()).get().isNotEqualTo(leader);

      cluster.start(leader);
      try (Client onlyRestarted = Client.builder().endpoints(cluster.endpoint(leader)).build()) {
        assertThat(onlyRestarted.getKVClient().get(bytes("/k")).get(10, TimeUnit.SECONDS).getKvs().get(0)
                .getValue().toString(StandardCharsets.UTF_8))
            .isEqualTo("during");
      }
    }
  }

  @Test
  void membersGetPortsBelowTheEphemeralRangeSoNoOutgoingConnectionCanHoldOne() throws Exception {
    int ephemeralStart = Integer.parseInt(java.nio.file.Files.readAllLines(
        java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+")[0]);
    java.util.Set<Integer> taken = new java.util.HashSet<>();
    for (int i = 0; i < 30; i++) {
      assertThat(TestingEtcdCluster.portBelowEphemeralRange(taken)).isLessThan(ephemeralStart).isGreaterThanOrEqualTo(1024);
    }
    assertThat(taken).hasSize(30);
  }
}
