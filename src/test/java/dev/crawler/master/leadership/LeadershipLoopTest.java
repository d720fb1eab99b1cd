package dev.crawler.master.leadership;

import dev.crawler.election.Candidate;
import dev.crawler.election.CandidateInfo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingLeaderWork;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** In-process candidates against a real etcd; process-level failover lives in the master tests. */
@Tag("etcd")
class LeadershipLoopTest {
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final Duration LONG_TTL = Duration.ofSeconds(30);

  private TestingEtcd etcd;
  private final List<Client> clients = new ArrayList<>();
  private final List<LeadershipLoop> loops = new ArrayList<>();
  private final List<String> termsStarted = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startEtcd() throws Exception {
    etcd = TestingEtcd.startNew();
  }

  @AfterEach
  void stopAll() throws Exception {
    loops.forEach(LeadershipLoop::close);
    clients.forEach(Client::close);
    etcd.close();
  }

  private LeadershipLoop candidate(String id) {
    return candidate(id, TestingLeaderWork.idle(term -> termsStarted.add(id + "@" + term)));
  }

  private LeadershipLoop candidate(String id, LeaderWork work) {
    return candidate(id, work, TTL);
  }

  private LeadershipLoop candidate(String id, LeaderWork work, Duration ttl) {
    Client client = Client.builder().endpoints(etcd.endpoint()).build();
    clients.add(client);
    LeadershipLoop loop =
        new LeadershipLoop(client, "/loop-test/election", new CandidateInfo(id, "127.0.0.1:1"), ttl, work);
    loops.add(loop);
    loop.start();
    return loop;
  }

  private static List<LeadershipLoop> leaders(List<LeadershipLoop> loops) {
    return loops.stream().filter(l -> l.role() == LeadershipLoop.Role.LEADER).toList();
  }

  @Test
  void closingTheLeaderHandsOverToAWaitingCandidate() throws Exception {
    // Leases far longer than the wait below: only resigning on close can hand over in time.
    LeaderWork idle = TestingLeaderWork.idle();
    LeadershipLoop a = candidate("a", idle, LONG_TTL);
    LeadershipLoop b = candidate("b", idle, LONG_TTL);
    await().atMost(Duration.ofSeconds(15)).until(() -> leaders(List.of(a, b)).size() == 1 && a.isReady() && b.isReady());
    LeadershipLoop leader = leaders(List.of(a, b)).get(0);
    LeadershipLoop other = leader == a ? b : a;

    long start = System.nanoTime();
    leader.close();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
        .until(() -> other.role() == LeadershipLoop.Role.LEADER);
    long handover = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("in-process handover after close: %d ms%n", handover);
    assertThat(leader.role()).isEqualTo(LeadershipLoop.Role.STOPPED);
    assertThat(other.currentLeader(Duration.ofSeconds(2))).get().extracting(l -> l.id())
        .isEqualTo(other.self().id());
  }

  @Test
  void leaderWhoseLeaseIsRevokedStepsDownAndCampaignsAgain() throws Exception {
    LeadershipLoop a = candidate("a");
    await().atMost(Duration.ofSeconds(15)).until(() -> a.role() == LeadershipLoop.Role.LEADER);
    long firstTerm = a.fence().orElseThrow().term();
    var leaderKv = a.currentLeader(Duration.ofSeconds(2)).orElseThrow();

    // Revoke the lease behind the replica's back, as an expiry would.
    Client admin = clients.get(0);
    long lease = Long.parseLong(leaderKv.key().substring(leaderKv.key().lastIndexOf('/') + 1), 16);
    admin.getLeaseClient().revoke(lease).get(30, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(15))
        .until(() -> a.fence().map(f -> f.term() > firstTerm).orElse(false));
    System.out.println("terms started: " + termsStarted);
    assertThat(termsStarted).hasSize(2);
  }

  @Test
  void leaderWorkThatFailsAtOnceBacksOffInsteadOfChurning() throws Exception {
    candidate("a", (fence, heartbeat) -> {
      termsStarted.add("a@" + fence.term());
      throw new IllegalStateException("leader work broken");
    });
    Thread.sleep(3000);
    System.out.println("terms in 3 s with failing leader work: " + termsStarted.size());
    // Without backoff after a step-down this was ~200 terms (a lease grant, campaign, resign and
    // revoke every ~15 ms); with jittered exponential backoff from 100 ms it is a handful.
    assertThat(termsStarted).hasSizeBetween(2, 15);
  }

  @Test
  void leaderStepsDownWhileEtcdIsFrozenAndOneLeadsAgainAfterItResumes() throws Exception {
    LeadershipLoop a = candidate("a");
    LeadershipLoop b = candidate("b");
    await().atMost(Duration.ofSeconds(15))
        .until(() -> leaders(List.of(a, b)).size() == 1 && a.isReady() && b.isReady());
    int termsBefore = termsStarted.size();

    etcd.signal("STOP");
    try {
      long start = System.nanoTime();
      // No etcd call may wedge a replica: within the lease validity (TTL 2 s - 0.5 s) both stop
      // leading and report not ready, although every RPC just hangs.
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
          .until(() -> leaders(List.of(a, b)).isEmpty() && !a.isReady() && !b.isReady());
      System.out.printf("etcd frozen: no leader, none ready after %d ms%n", (System.nanoTime() - start) / 1_000_000);
      assertThat(a.fence()).isEmpty();
      assertThat(b.fence()).isEmpty();
      Thread.sleep(TTL.toMillis() * 3);
      assertThat(leaders(List.of(a, b))).isEmpty();
    } finally {
      etcd.signal("CONT");
    }
    long resumed = System.nanoTime();
    await().atMost(Duration.ofSeconds(30))
        .until(() -> leaders(List.of(a, b)).size() == 1 && a.isReady() && b.isReady());
    System.out.printf("leader again %d ms after etcd resumed%n", (System.nanoTime() - resumed) / 1_000_000);
    LeadershipLoop leader = leaders(List.of(a, b)).get(0);
    assertThat(leader.currentLeader(Duration.ofSeconds(2))).get()
        .extracting(l -> l.term()).isEqualTo(leader.fence().orElseThrow().term());
    assertThat(termsStarted).hasSizeGreaterThan(termsBefore);
  }

  @Test
  void candidatesLeadAgainAfterEtcdRestarts() throws Exception {
    LeadershipLoop a = candidate("a");
    LeadershipLoop b = candidate("b");
    await().atMost(Duration.ofSeconds(15)).until(() -> leaders(List.of(a, b)).size() == 1);

    etcd.stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> leaders(List.of(a, b)).isEmpty());
    long start = System.nanoTime();
    etcd.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> leaders(List.of(a, b)).size() == 1);
    System.out.printf("leader again %d ms after etcd restarted%n", (System.nanoTime() - start) / 1_000_000);
  }

  @Test
  void aFollowerWhoseLeaseIsRevokedWhileWaitingCampaignsAgainWithoutAnEtcdError() throws Exception {
    List<String> outcomes = new CopyOnWriteArrayList<>();
    List<String> etcdErrors = new CopyOnWriteArrayList<>();
    LeadershipEvents recorded = new LeadershipEvents() {
      @Override
      public void campaignEnded(CampaignOutcome outcome) {
        outcomes.add(outcome.name());
      }

      @Override
      public void etcdError(String operation) {
        etcdErrors.add(operation);
      }
    };
    LeaderWork idle = TestingLeaderWork.idle();
    LeadershipLoop a = candidate("a", idle, LONG_TTL);
    await().atMost(Duration.ofSeconds(15)).until(() -> a.role() == LeadershipLoop.Role.LEADER);
    Client client = Client.builder().endpoints(etcd.endpoint()).build();
    clients.add(client);
    LeadershipLoop b =
        new LeadershipLoop(client, "/loop-test/election", new CandidateInfo("b", "127.0.0.1:2"), LONG_TTL, idle, recorded);
    loops.add(b);
    b.start();
    await().atMost(Duration.ofSeconds(15)).until(() -> a.election().candidates().get().size() == 2);
    Candidate waiting = a.election().candidates().get().get(1);

    // What a switchover's leader does to a candidate ahead of its target.
    a.election().revokeIfStill(waiting).get();

    await().atMost(Duration.ofSeconds(15)).until(() -> a.election().candidates().get().stream()
        .anyMatch(l -> l.id().equals("b") && l.term() > waiting.term()));
    assertThat(outcomes).containsExactly("REQUEUED");
    assertThat(etcdErrors).isEmpty();
    assertThat(a.role()).isEqualTo(LeadershipLoop.Role.LEADER);
  }
}
