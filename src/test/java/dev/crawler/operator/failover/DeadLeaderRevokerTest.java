package dev.crawler.operator.failover;

import dev.crawler.operator.events.ClusterEvent;
import dev.crawler.operator.status.LeaderStatus;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.election.Election;
import dev.crawler.election.ElectionState;
import dev.crawler.election.Candidate;
import dev.crawler.election.CandidateInfo;
import dev.crawler.election.Session;
import dev.crawler.testing.TestingEtcd;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The operator revokes a leader's lease only for a pod that is really gone, against a real etcd. */
@Tag("etcd")
class DeadLeaderRevokerTest {
  private static final String SINCE = "2026-11-30T10:00:00Z";

  private TestingEtcd etcd;
  private Client client;
  private Election election;
  private Candidate leader;
  private CrawlerMasterStatus stored;

  @BeforeEach
  void setUp() throws Exception {
    etcd = TestingEtcd.startNew();
    client = Client.builder().endpoints(etcd.endpoint()).build();
    election = new Election(client, "/revoker-test/election");
    Session session = Session.open(client, Duration.ofSeconds(30), Duration.ofSeconds(5));
    leader = election.campaign(session.leaseId(), new CandidateInfo("demo-0", "127.0.0.1:1")).get(5, TimeUnit.SECONDS);
    stored = new CrawlerMasterStatus();
    stored.setLeader("demo-0");
    stored.setTerm(leader.term());
    stored.setLeaderSince(SINCE);
    stored.setConditions(List.of(CrawlerMasterConditions.condition(
        CrawlerMasterConditions.LEADER_ELECTED, CrawlerMasterConditions.TRUE, CrawlerMasterConditions.ELECTED, "")));
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close();
    etcd.close();
  }

  private Optional<ClusterEvent> revokeIfGone(Pod foundByName) {
    Optional<ElectionState> state = Optional.of(ElectionState.leading(leader, Instant.parse(SINCE).plusSeconds(60), 0));
    LeaderStatus next = LeaderStatus.decide(stored, state, Set.of("demo-0"));
    // The label-selected informer has no pod of that name in both cases.
    return DeadLeaderRevoker.revokeIfGone("crawl/demo", stored, next, state, List.of(), name -> foundByName, Optional.of(election));
  }

  @Test
  void aLeaderPodWhoseLabelsWereRemovedIsNotTakenForGone() throws Exception {
    Pod relabelled = new PodBuilder()
        .withNewMetadata().withName("demo-0").withCreationTimestamp("2026-11-30T09:00:00Z").endMetadata()
        .build();
    assertThat(revokeIfGone(relabelled)).isEmpty();
    assertThat(election.leader().get(5, TimeUnit.SECONDS)).contains(leader);
  }

  @Test
  void aLeaderThatIsNotKnownAsOurPodIsNeverLookedUp() throws Exception {
    stored.setConditions(List.of(CrawlerMasterConditions.condition(
        CrawlerMasterConditions.LEADER_ELECTED, CrawlerMasterConditions.FALSE, CrawlerMasterConditions.UNKNOWN_LEADER, "")));
    Optional<ElectionState> state = Optional.of(ElectionState.leading(leader, Instant.parse(SINCE).plusSeconds(60), 0));
    LeaderStatus next = LeaderStatus.decide(stored, state, Set.of("demo-0"));
    assertThat(DeadLeaderRevoker.revokeIfGone("crawl/demo", stored, next, state, List.of(),
        name -> {
          throw new AssertionError("looked up " + name);
        },
        Optional.of(election))).isEmpty();
    assertThat(election.leader().get(5, TimeUnit.SECONDS)).contains(leader);
  }

  @Test
  void aLeaderPodThatDoesNotExistHasItsLeaseRevoked() throws Exception {
    assertThat(revokeIfGone(null)).hasValueSatisfying(e ->
        assertThat(e.message()).contains("pod demo-0 is gone"));
    assertThat(election.leader().get(5, TimeUnit.SECONDS)).isEmpty();
  }
}
