package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.crawler.testing.TestingEtcd;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("etcd")
class MasterReplicaStartTest {
  /** Every jetcd client runs one of these until it is closed. */
  private static long etcdClientThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("vertx-blocked-thread-checker") && t.isAlive())
        .count();
  }

  @Test
  void aReplicaThatCannotBindItsPortClosesItsEtcdClientAndThrows() throws Exception {
    try (TestingEtcd etcd = TestingEtcd.startNew();
        ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String port = String.valueOf(taken.getLocalPort());
      MasterConfig config = MasterConfig.resolve(
          new MasterConfig.Flags("m-0", "127.0.0.1:" + port, etcd.endpoint(), "/replica-start-test", "2", "127.0.0.1", port),
          Map.of());
      long before = etcdClientThreads();

      assertThatThrownBy(() -> MasterReplica.start(config)).isInstanceOf(IOException.class);

      await().atMost(Duration.ofSeconds(10)).until(() -> etcdClientThreads() == before);
    }
  }
}
