package dev.crawler.master.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.election.CandidateInfo;
import dev.crawler.election.Election;
import dev.crawler.election.Session;
import dev.crawler.testing.TestingEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A key planted in one cluster's election, named after the lease of another cluster's key and
 * carrying a replica's id, makes that replica revoke nothing when it starts (the clean-up of an
 * earlier run), while a real key an earlier run of it left is still revoked.
 */
@Tag("etcd")
class PlantedLeaseTest {
  private static final String ELECTION = "/crawler/team-a/demo/election";

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Test
  void aRestartingReplicaRevokesNoOtherClustersLeaseThroughAPlantedKey() throws Exception {
    try (TestingEtcd etcd = TestingEtcd.startNew();
        Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
      Election election = new Election(client, ELECTION);
      // Another cluster's worker key, under its lease L.
      long other = client.getLeaseClient().grant(60).get(5, TimeUnit.SECONDS).getID();
      client.getKVClient().put(bytes("/crawler/team-b/other/workers/w-1"), bytes("{}"),
          PutOption.builder().withLeaseId(other).build()).get(5, TimeUnit.SECONDS);
      // A real candidate key of an earlier run of a9 (its own lease).
      Session earlier = Session.open(client, Duration.ofSeconds(60), Duration.ofSeconds(5));
      election.campaign(earlier.leaseId(), new CandidateInfo("a9", "10.0.0.9:8080")).get(5, TimeUnit.SECONDS);
      // Behind it, the planted key: <election>/<hex of L>, with replica a9's id.
      client.getKVClient().put(bytes(ELECTION + "/" + Long.toHexString(other)),
          bytes(new String(new CandidateInfo("a9", "10.0.0.9:8080").toJson(), StandardCharsets.UTF_8)))
          .get(5, TimeUnit.SECONDS);

      List<Revocations.Cause> revoked = new CopyOnWriteArrayList<>();
      PreviousIncarnation.cleanUp(election, "a9", Duration.ofSeconds(5), revoked::add);

      assertThat(client.getKVClient().get(bytes("/crawler/team-b/other/workers/w-1")).get(5, TimeUnit.SECONDS).getCount())
          .as("the other cluster's key").isEqualTo(1);
      assertThat(client.getLeaseClient().timeToLive(other, io.etcd.jetcd.options.LeaseOption.DEFAULT)
          .get(5, TimeUnit.SECONDS).getTTL()).as("the other cluster's lease").isPositive();
      assertThat(client.getLeaseClient().timeToLive(earlier.leaseId(), io.etcd.jetcd.options.LeaseOption.DEFAULT)
          .get(5, TimeUnit.SECONDS).getTTL()).as("the earlier run's own lease").isEqualTo(-1);
      assertThat(revoked).containsExactly(Revocations.Cause.PREVIOUS_INCARNATION);
      earlier.close();
    }
  }
}
