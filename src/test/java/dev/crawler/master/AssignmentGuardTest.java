package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.KeyLayout;
import dev.crawler.api.Resource;
import dev.crawler.election.Fence;
import dev.crawler.election.CandidateInfo;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingWorker;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.election.LeaderKey;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A move decided from a read is written only if the workers it names are still as read: a
 * worker that registered again in between keeps its resources (real workers re-register under the
 * same id after they lost a lease).
 */
@Tag("etcd")
class AssignmentGuardTest {

  @Test
  void aMoveFromAWorkerThatRegisteredAgainMeanwhileIsRefusedAndAMoveFromADeadOneLands() throws Exception {
    try (TestingEtcd etcd = TestingEtcd.startNew();
        Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
      KeyLayout layout = new KeyLayout("/crawler/test/guard");
      ClusterStore store = new ClusterStore(client.getKVClient(), layout);
      long lease = client.getLeaseClient().grant(10).get(10, TimeUnit.SECONDS).getID();
      LeaderKey leader = client.getElectionClient().campaign(ByteSequence.from(layout.election(), StandardCharsets.UTF_8),
          lease, ByteSequence.from(new CandidateInfo("m-0", "127.0.0.1:1").toJson())).get(10, TimeUnit.SECONDS).getLeader();
      Fence fence = new Fence(client.getKVClient(), leader.getKey(), leader.getRevision(), () -> true, why -> { });

      TestingWorker a = TestingWorker.register(client, layout, "w-a", 10);
      TestingWorker b = TestingWorker.register(client, layout, "w-b", 10);
      assertThat(store.create(fence, new Resource("r", "https://example.com/", "w-a", fence.term())))
          .isEqualTo(Fence.Outcome.APPLIED);
      a.die();
      ClusterStore.Snapshot afterDeath = store.load();
      assertThat(afterDeath.workers()).containsOnlyKeys("w-b");

      TestingWorker again = TestingWorker.register(client, layout, "w-a", 10);
      ClusterStore.Stored stored = afterDeath.resources().get("r");
      assertThat(store.move(fence, stored.resource().withAssignment("w-b", fence.term()), stored.modRevision(), "w-a",
          afterDeath)).as("w-a is back").isEqualTo(Fence.Outcome.CONDITION_FAILED);
      assertThat(store.load().resources().get("r").resource().worker()).isEqualTo("w-a");

      again.die();
      ClusterStore.Snapshot dead = store.load();
      assertThat(store.move(fence, stored.resource().withAssignment("w-b", fence.term()), stored.modRevision(), "w-a",
          dead)).isEqualTo(Fence.Outcome.APPLIED);
      assertThat(store.load().resources().get("r").resource().worker()).isEqualTo("w-b");

      // A move to a worker that registered again since the read (a new registration) is refused too.
      ClusterStore.Stored onB = store.load().resources().get("r");
      ClusterStore.Snapshot seen = store.load();
      TestingWorker c = TestingWorker.register(client, layout, "w-c", 10);
      ClusterStore.Snapshot withC = store.load();
      c.die();
      TestingWorker.register(client, layout, "w-c", 10);
      assertThat(store.move(fence, onB.resource().withAssignment("w-c", fence.term()), onB.modRevision(), null, withC))
          .isEqualTo(Fence.Outcome.CONDITION_FAILED);
      assertThat(seen.workers()).doesNotContainKey("w-c");
      b.close();
    }
  }
}
