package dev.crawler.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("etcd")
class TestingElectionHistoryTest {

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /**
   * A chaos run once ended with its last create's put replayed but the delete after it missing, so
   * the replayed state kept one resource too many: the history read stopped at the newest put still
   * present. Every event, the trailing deletions included, must be in the history.
   */
  @Test
  void aHistoryWhoseLastWritesAreDeletionsIncludesEveryDeletion() throws Exception {
    try (TestingEtcd etcd = TestingEtcd.startNew();
        Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
      var kv = client.getKVClient();
      for (int i = 0; i < 200; i++) {
        kv.put(bytes("/h/r" + i), bytes("v" + i)).get(5, TimeUnit.SECONDS);
      }
      kv.put(bytes("/h/kept"), bytes("k")).get(5, TimeUnit.SECONDS);
      for (int i = 0; i < 200; i++) {
        kv.delete(bytes("/h/r" + i)).get(5, TimeUnit.SECONDS);
      }
      // Writes outside the prefix after the last one inside: the history still ends.
      kv.put(bytes("/other"), bytes("x")).get(5, TimeUnit.SECONDS);

      var events = TestingElectionHistory.events(client, "/h/");

      assertThat(events).hasSize(401);
      assertThat(events.stream().filter(e -> !e.put()).count()).isEqualTo(200);
      assertThat(events.get(events.size() - 1).put()).isFalse();
    }
  }

  @Test
  void anEmptyPrefixHasAnEmptyHistory() throws Exception {
    try (TestingEtcd etcd = TestingEtcd.startNew();
        Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
      client.getKVClient().put(bytes("/elsewhere"), bytes("x")).get(5, TimeUnit.SECONDS);

      assertThat(TestingElectionHistory.events(client, "/h/")).isEmpty();
    }
  }
}
