package dev.crawler.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.election.ElectionState;
import dev.crawler.election.Leader;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.election.LeaderInfo;
import io.fabric8.kubernetes.api.model.Condition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeaderStatusDeciderTest {
  private static final Set<String> PODS = Set.of("demo-0", "demo-1", "demo-2");
  private static final Instant T1 = Instant.parse("2026-11-02T10:00:00.400Z");
  private static final Instant T2 = Instant.parse("2026-11-02T10:05:00Z");

  private static ElectionState leads(String pod, long term, Instant at) {
    String value = new String(new LeaderInfo(pod, pod + ":8080").toJson(), StandardCharsets.UTF_8);
    return ElectionState.leading(new Leader("/crawler/ns/demo/election/694d" + term, term, value), at, 0);
  }

  private static LeaderStatus decide(CrawlerMasterStatus prev, ElectionState o) {
    return LeaderStatusDecider.decide(prev, Optional.ofNullable(o), PODS);
  }

  /** The status the reconciler would write: leader fields applied, conditions stamped. */
  private static CrawlerMasterStatus written(CrawlerMasterStatus prev, LeaderStatus s, Instant at) {
    return new StatusAggregator(prev, 1L, at).replicas(3, null).leader(s).build();
  }

  private static Condition cond(LeaderStatus s, String type) {
    return LeaderConditions.find(s.conditions(), type).orElseThrow();
  }

  @Test
  void firstLeaderIsOneTransitionWithElectedConditionAndNormalEvent() {
    LeaderStatus s = decide(null, leads("demo-0", 7, T1));
    assertThat(s.leader()).isEqualTo("demo-0");
    assertThat(s.leaderAddress()).isEqualTo("demo-0:8080");
    assertThat(s.term()).isEqualTo(7);
    assertThat(s.leaderSince()).isEqualTo("2026-11-02T10:00:00Z");
    assertThat(s.leaderTransitions()).isEqualTo(1);
    assertThat(s.leaderPod()).contains("demo-0");
    assertThat(s.rolesDecided()).isTrue();
    Condition elected = cond(s, LeaderConditions.LEADER_ELECTED);
    assertThat(elected.getStatus()).isEqualTo("True");
    assertThat(elected.getReason()).isEqualTo("Elected");
    assertThat(elected.getMessage()).isEqualTo("demo-0 leads in term 7");
    assertThat(cond(s, LeaderConditions.ETCD_REACHABLE).getReason()).isEqualTo("Reachable");
    assertThat(s.events()).containsExactly(
        new LeaderEvent("Normal", "LeaderElected", "demo-0 became leader, term 7"));
  }

  @Test
  void sameLeaderAndTermAgainKeepsLeaderSinceAndCountsNothing() {
    CrawlerMasterStatus shown = written(null, decide(null, leads("demo-0", 7, T1)), T1);
    // An operator restart re-reads the same leader later: its observedAt is newer.
    LeaderStatus again = decide(shown, leads("demo-0", 7, T2));
    assertThat(again.leaderTransitions()).isEqualTo(1);
    assertThat(again.leaderSince()).isEqualTo("2026-11-02T10:00:00Z");
    assertThat(again.events()).isEmpty();
  }

  @Test
  void newLeaderOrNewTermOfTheSameReplicaCountsOneTransition() {
    CrawlerMasterStatus shown = written(null, decide(null, leads("demo-0", 7, T1)), T1);
    LeaderStatus next = decide(shown, leads("demo-1", 9, T2));
    assertThat(next.leaderTransitions()).isEqualTo(2);
    assertThat(next.leaderSince()).isEqualTo("2026-11-02T10:05:00Z");
    assertThat(next.events()).extracting(LeaderEvent::message)
        .containsExactly("demo-1 became leader, term 9");

    CrawlerMasterStatus shown2 = written(shown, next, T2);
    LeaderStatus reelected = decide(shown2, leads("demo-1", 12, T2.plusSeconds(60)));
    assertThat(reelected.leaderTransitions()).isEqualTo(3);
    assertThat(reelected.term()).isEqualTo(12);
  }

  @Test
  void noLeaderClearsLeaderFieldsKeepsCountAndWarnsOnce() {
    CrawlerMasterStatus shown = written(null, decide(null, leads("demo-0", 7, T1)), T1);
    LeaderStatus none = decide(shown, ElectionState.noLeader(T2, 0));
    assertThat(none.leader()).isNull();
    assertThat(none.term()).isNull();
    assertThat(none.leaderSince()).isNull();
    assertThat(none.leaderTransitions()).isEqualTo(1);
    assertThat(none.leaderPod()).isEmpty();
    assertThat(cond(none, LeaderConditions.LEADER_ELECTED).getStatus()).isEqualTo("False");
    assertThat(cond(none, LeaderConditions.LEADER_ELECTED).getReason()).isEqualTo("NoLeader");
    assertThat(none.events()).extracting(LeaderEvent::type, LeaderEvent::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Warning", "NoLeader"));

    CrawlerMasterStatus shownNone = written(shown, none, T2);
    assertThat(decide(shownNone, ElectionState.noLeader(T2, 0)).events()).isEmpty();
    LeaderStatus back = decide(shownNone, leads("demo-2", 11, T2.plusSeconds(3)));
    assertThat(back.leaderTransitions()).isEqualTo(2);
  }

  @Test
  void aNewClusterWithoutLeaderYetDoesNotWarn() {
    LeaderStatus none = decide(null, ElectionState.noLeader(T1, 0));
    assertThat(none.events()).isEmpty();
    assertThat(none.leaderTransitions()).isZero();
  }

  @Test
  void unreachableKeepsLastKnownLeaderLeavesRoleLabelsAloneAndWarnsOnce() {
    CrawlerMasterStatus shown = written(null, decide(null, leads("demo-0", 7, T1)), T1);
    ElectionState down = ElectionState.unreachable("etcd http://etcd:2379: connection refused", T2, 0);
    LeaderStatus s = decide(shown, down);
    assertThat(s.leader()).isEqualTo("demo-0");
    assertThat(s.term()).isEqualTo(7);
    assertThat(s.leaderTransitions()).isEqualTo(1);
    assertThat(s.rolesDecided()).isFalse();
    Condition elected = cond(s, LeaderConditions.LEADER_ELECTED);
    assertThat(elected.getStatus()).isEqualTo("False");
    assertThat(elected.getReason()).isEqualTo("EtcdUnreachable");
    assertThat(elected.getMessage()).isEqualTo("etcd http://etcd:2379: connection refused");
    Condition reach = cond(s, LeaderConditions.ETCD_REACHABLE);
    assertThat(reach.getStatus()).isEqualTo("False");
    assertThat(reach.getReason()).isEqualTo("Unreachable");
    assertThat(s.events()).containsExactly(
        new LeaderEvent("Warning", "EtcdUnreachable", "etcd http://etcd:2379: connection refused"));

    CrawlerMasterStatus shownDown = written(shown, s, T2);
    assertThat(decide(shownDown, down).events()).isEmpty();
    // etcd is back with the same leader: no transition, leaderSince unchanged, no event.
    LeaderStatus back = decide(shownDown, leads("demo-0", 7, T2.plusSeconds(30)));
    assertThat(back.leaderTransitions()).isEqualTo(1);
    assertThat(back.leaderSince()).isEqualTo("2026-11-02T10:00:00Z");
    assertThat(back.events()).isEmpty();
    assertThat(back.leaderPod()).contains("demo-0");
  }

  @Test
  void leaderThatIsNotOurPodIsShownButNeverLabelled() {
    LeaderStatus otherJson = decide(null, leads("elsewhere-0", 4, T1));
    assertThat(otherJson.leader()).isEqualTo("elsewhere-0");
    assertThat(otherJson.leaderPod()).isEmpty();
    Condition c = cond(otherJson, LeaderConditions.LEADER_ELECTED);
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("UnknownLeader");
    assertThat(c.getMessage()).contains("elsewhere-0").contains("not a pod of this cluster");
    assertThat(otherJson.events()).extracting(LeaderEvent::reason).containsExactly("UnknownLeader");

    ElectionState garbage =
        ElectionState.leading(new Leader("/crawler/ns/demo/election/abc", 5, "lock-holder"), T1, 0);
    LeaderStatus raw = decide(null, garbage);
    assertThat(raw.leader()).isEqualTo("lock-holder");
    assertThat(raw.leaderAddress()).isNull();
    assertThat(raw.term()).isEqualTo(5);
    assertThat(raw.leaderPod()).isEmpty();
    assertThat(cond(raw, LeaderConditions.LEADER_ELECTED).getMessage())
        .contains("not a master replica's proposal");
  }

  @Test
  void beforeTheFirstReadNothingChangesAndRolesAreLeftAlone() {
    CrawlerMasterStatus shown = written(null, decide(null, leads("demo-0", 7, T1)), T1);
    LeaderStatus s = decide(shown, null);
    assertThat(s.leader()).isEqualTo("demo-0");
    assertThat(s.leaderTransitions()).isEqualTo(1);
    assertThat(s.rolesDecided()).isFalse();
    assertThat(s.events()).isEmpty();
    assertThat(cond(s, LeaderConditions.LEADER_ELECTED).getStatus()).isEqualTo("True");
    assertThat(written(shown, s, T2)).isEqualTo(shown);
  }

  @Test
  void aNewClusterIsObservingUntilTheFirstRead() {
    LeaderStatus s = decide(null, null);
    assertThat(s.leader()).isNull();
    assertThat(s.rolesDecided()).isFalse();
    assertThat(cond(s, LeaderConditions.LEADER_ELECTED).getStatus()).isEqualTo("Unknown");
    assertThat(cond(s, LeaderConditions.LEADER_ELECTED).getReason()).isEqualTo("Observing");
    assertThat(cond(s, LeaderConditions.ETCD_REACHABLE).getStatus()).isEqualTo("Unknown");
  }
}
