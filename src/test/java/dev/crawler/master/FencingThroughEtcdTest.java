package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.MasterPaths;
import dev.crawler.election.Candidate;
import dev.crawler.testing.TestingMasterCluster;
import dev.crawler.testing.TestingMasterProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fence is etcd's compare, not the replica's belief: with the leader key deleted behind its
 * back while its lease is alive (its local clock still trusts the lease, and with no other
 * candidate it observes no successor), the next write is rejected by etcd itself.
 */
@Tag("process")
@Tag("etcd")
class FencingThroughEtcdTest {

  @Test
  void writeAfterTheLeaderKeyWasDeletedBehindTheLeadersBackIsRejectedByEtcdAndTheLeaderStepsDown()
      throws Exception {
    // A long TTL: the local lease clock trusts the lease for the whole test, so only etcd can refuse.
    try (TestingMasterCluster cluster = TestingMasterCluster.start(1, 30)) {
      TestingMasterProcess m = cluster.master("m-0");
      Candidate leader = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> l.id().equals("m-0"));
      assertThat(m.get(MasterPaths.METRICS).body()).contains("crawler_master_is_leader 1.0");

      cluster.client().getKVClient()
          .delete(ByteSequence.from(leader.key(), StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);

      var write = m.post(MasterPaths.RESOURCES, "{\"name\":\"after-fence\",\"url\":\"https://example.com/a\"}");
      assertThat(write.status()).as(write.body()).isEqualTo(503);
      assertThat(write.retryAfter()).isNotNull();
      assertThat(write.body()).contains("leadership lost");

      ByteSequence resources = ByteSequence.from(cluster.layout().resourcesDir(), StandardCharsets.UTF_8);
      assertThat(cluster.client().getKVClient()
              .get(resources, GetOption.builder().isPrefix(true).build()).get(5, TimeUnit.SECONDS).getKvs())
          .as("nothing of the rejected write in etcd")
          .isEmpty();
      assertThat(m.get(MasterPaths.METRICS).body()).contains("crawler_master_fenced_write_rejections_total 1.0");
      // It stepped down and, being the only replica, campaigned again: a new term.
      Candidate next = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> l.term() > leader.term());
      assertThat(next.id()).isEqualTo("m-0");
      assertThat(m.log()).contains("stepped down (term " + leader.term() + ")");
      assertThat(m.isAlive()).isTrue();
    }
  }
}
