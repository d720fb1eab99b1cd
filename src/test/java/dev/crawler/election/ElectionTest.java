package dev.crawler.election;

import dev.crawler.etcd.Backoff;
import dev.crawler.support.Threads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.testing.TestingEtcd;
import io.etcd.jetcd.Client;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The election's rule against a real etcd: first-create leads, nobody is an answer, revoke ends a term. */
@Tag("etcd")
class ElectionTest {
  private static final Duration TTL = Duration.ofSeconds(10);
  private static final Duration RPC = Duration.ofSeconds(5);

  private TestingEtcd etcd;
  private Client client;
  private Election election;

  @BeforeEach
  void setUp() throws Exception {
    etcd = TestingEtcd.startNew();
    client = Client.builder().endpoints(etcd.endpoint()).build();
    election = new Election(client, "/election-test/election");
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close();
    etcd.close();
  }

  @Test
  void firstCreatedCandidateLeadsAndTheOthersQueueInCreateOrder() throws Exception {
    assertThat(election.leader().get(5, TimeUnit.SECONDS)).isEmpty();
    assertThat(election.candidates().get(5, TimeUnit.SECONDS)).isEmpty();

    Session a = Session.open(client, TTL, RPC);
    Session b = Session.open(client, TTL, RPC);
    Candidate won = election.campaign(a.leaseId(), new CandidateInfo("a", "127.0.0.1:1")).get(5, TimeUnit.SECONDS);
    var waiting = election.campaign(b.leaseId(), new CandidateInfo("b", "127.0.0.1:2"));
    await().atMost(Duration.ofSeconds(5)).until(() -> election.candidates().get(30, TimeUnit.SECONDS).size() == 2);

    assertThat(won.leaseId()).isEqualTo(a.leaseId());
    assertThat(election.leader().get(5, TimeUnit.SECONDS)).contains(won);
    List<Candidate> queue = election.candidates().get(5, TimeUnit.SECONDS);
    assertThat(queue).extracting(Candidate::id).containsExactly("a", "b");
    assertThat(queue.get(1).leaseId()).isEqualTo(b.leaseId());
    assertThat(queue.get(1).term()).isGreaterThan(won.term());

    // A follower that decided the leader is dead revokes its lease: the next in line leads.
    election.revoke(won.leaseId()).get(5, TimeUnit.SECONDS);
    Candidate next = waiting.get(5, TimeUnit.SECONDS);
    assertThat(next.id()).isEqualTo("b");
    assertThat(election.leader().get(5, TimeUnit.SECONDS)).contains(next);

    election.resign(next).get(5, TimeUnit.SECONDS);
    assertThat(election.leader().get(5, TimeUnit.SECONDS)).isEmpty();
    a.close();
    b.close();
  }

  @Test
  void revokeIfStillRevokesOnlyTheTermThatWasSeen() throws Exception {
    Session a = Session.open(client, TTL, RPC);
    Candidate won = election.campaign(a.leaseId(), new CandidateInfo("a", "127.0.0.1:1")).get(5, TimeUnit.SECONDS);
    Candidate otherTerm = new Candidate(won.key(), won.term() + 1, won.value());
    assertThat(election.revokeIfStill(otherTerm).get(5, TimeUnit.SECONDS)).as("a term that is not the key's").isEmpty();
    assertThat(election.leader().get(5, TimeUnit.SECONDS)).contains(won);

    assertThat(election.revokeIfStill(won).get(5, TimeUnit.SECONDS)).contains(a.leaseId());
    assertThat(election.leader().get(5, TimeUnit.SECONDS)).isEmpty();
    assertThat(election.revokeIfStill(won).get(5, TimeUnit.SECONDS)).as("the key is gone").isEmpty();
    a.close();
  }

  /** Another tenant's lease, holding a key outside this election. */
  private long otherTenantsLease() throws Exception {
    long lease = client.getLeaseClient().grant(60).get(5, TimeUnit.SECONDS).getID();
    client.getKVClient().put(bytes("/other-tenant/worker"), bytes("alive"),
        io.etcd.jetcd.options.PutOption.builder().withLeaseId(lease).build()).get(5, TimeUnit.SECONDS);
    return lease;
  }

  private static io.etcd.jetcd.ByteSequence bytes(String s) {
    return io.etcd.jetcd.ByteSequence.from(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  private boolean otherTenantsKeyExists() throws Exception {
    return client.getKVClient().get(bytes("/other-tenant/worker")).get(5, TimeUnit.SECONDS).getCount() == 1;
  }

  @Test
  void aKeyPlantedUnderAnotherTenantsLeaseNameGetsNothingRevoked() throws Exception {
    long theirs = otherTenantsLease();
    String planted = "/election-test/election/" + Long.toHexString(theirs);
    String value = new String(new CandidateInfo("a9", "127.0.0.1:1").toJson(), java.nio.charset.StandardCharsets.UTF_8);

    // Without a lease: etcd reports none, so there is nothing to revoke.
    client.getKVClient().put(bytes(planted), bytes(value)).get(5, TimeUnit.SECONDS);
    Candidate seen = election.candidates().get(5, TimeUnit.SECONDS).get(0);
    assertThat(seen.leaseId()).as("the name alone points at their lease").isEqualTo(theirs);
    assertThat(election.revokeIfStill(seen).get(5, TimeUnit.SECONDS)).isEmpty();
    assertThat(otherTenantsKeyExists()).isTrue();

    // Under the planter's own lease: named after theirs, held by another, so not the recipe's key.
    long own = client.getLeaseClient().grant(60).get(5, TimeUnit.SECONDS).getID();
    client.getKVClient().put(bytes(planted), bytes(value),
        io.etcd.jetcd.options.PutOption.builder().withLeaseId(own).build()).get(5, TimeUnit.SECONDS);
    Candidate again = election.candidates().get(5, TimeUnit.SECONDS).get(0);
    assertThat(election.revokeIfStill(again).get(5, TimeUnit.SECONDS)).isEmpty();
    assertThat(otherTenantsKeyExists()).isTrue();
    assertThat(client.getKVClient().get(bytes(planted)).get(5, TimeUnit.SECONDS).getCount()).isEqualTo(1);
  }

  @Test
  void aCandidateKeyWhoseValueIsNoReplicasIsNotRevoked() throws Exception {
    Session a = Session.open(client, TTL, RPC);
    Candidate won = election.campaign(a.leaseId(), new CandidateInfo("a", "127.0.0.1:1")).get(5, TimeUnit.SECONDS);
    client.getKVClient().put(bytes(won.key()), bytes("not a replica"),
        io.etcd.jetcd.options.PutOption.builder().withLeaseId(a.leaseId()).build()).get(5, TimeUnit.SECONDS);

    assertThat(election.revokeIfStill(won).get(5, TimeUnit.SECONDS)).isEmpty();
    assertThat(election.candidates().get(5, TimeUnit.SECONDS)).hasSize(1);
    a.close();
  }

  @Test
  void observationReportsNoLeaderAsAChange() throws Exception {
    List<ElectionState> seen = new CopyOnWriteArrayList<>();
    ScheduledExecutorService thread = Threads.singleScheduler("election-test");
    Observation observation = election.observe(
        new Observation.Options(etcd.endpoint(), Clock.systemUTC(), Backoff.DEFAULT, RPC, Duration.ofSeconds(10)),
        thread, seen::add);
    try {
      observation.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 1);
      assertThat(seen.get(0).hasLeader()).isFalse();

      Session a = Session.open(client, TTL, RPC);
      Candidate won = election.campaign(a.leaseId(), new CandidateInfo("a", "127.0.0.1:1")).get(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
      assertThat(seen.get(1).leader()).contains(won);

      election.resign(won).get(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 3);
      assertThat(seen.get(2).hasLeader()).isFalse();
      assertThat(seen.get(2).etcdReachable()).isTrue();
      a.close();
    } finally {
      observation.close();
      thread.shutdown();
    }
  }
}
