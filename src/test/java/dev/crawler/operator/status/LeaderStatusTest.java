package dev.crawler.operator.status;

import dev.crawler.operator.etcd.EtcdSecrets;
import dev.crawler.operator.events.ClusterEvent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.election.ElectionState;
import dev.crawler.election.Candidate;
import dev.crawler.election.CandidateInfo;
import io.fabric8.kubernetes.api.model.Condition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeaderStatusTest {
  private static final Set<String> PODS = Set.of("demo-0", "demo-1", "demo-2");
  private static final Instant T1 = Instant.parse("2026-11-02T10:00:00.400Z");
  private static final Instant T2 = Instant.parse("2026-11-02T10:05:00Z");

  private static ElectionState leads(String pod, long term, Instant at) {
    String value = new String(new CandidateInfo(pod, pod + ":8080").toJson(), StandardCharsets.UTF_8);
    return ElectionState.leading(new Candidate("/crawler/ns/demo/election/694d" + term, term, value), at, 0);
  }

  private static LeaderStatus decide(CrawlerMasterStatus prev, ElectionState o) {
    return LeaderStatus.decide(prev, Optional.ofNullable(o), PODS);
  }

  /** The status the reconciler would write: leader fields applied, conditions stamped. */
  private static CrawlerMasterStatus written(CrawlerMasterStatus prev, LeaderStatus s, Instant at) {
    return new StatusAggregator(prev, 1L, at).replicas(3, null).leader(s).build();
  }

  private static Condition cond(LeaderStatus s, String type) {
    return CrawlerMasterConditions.find(s.conditions(), type).orElseThrow();
  }

  @Test
  void firstLeaderIsOneTransitionWithElectedConditionAndNormalEvent() {
    LeaderStatus s = decide(null, leads("demo-0", 7, T1));
    assertThat(s.fields().leader()).isEqualTo("demo-0");
    assertThat(s.fields().leaderAddress()).isEqualTo("demo-0:8080");
    assertThat(s.fields().term()).isEqualTo(7);
    assertThat(s.fields().leaderSince()).isEqualTo("2026-11-02T10:00:00Z");
    assertThat(s.fields().leaderTransitions()).isEqualTo(1);
    assertThat(s.leaderPod()).contains("demo-0");
    assertThat(s.rolesDecided()).isTrue();
    Condition elected = cond(s, CrawlerMasterConditions.LEADER_ELECTED);
    assertThat(elected.getStatus()).isEqualTo("True");
    assertThat(elected.getReason()).isEqualTo("Elected");
    assertThat(elected.getMessage()).isEqualTo("demo-0 leads in term 7");
    assertThat(cond(s, CrawlerMasterConditions.ETCD_REACHABLE).getReason()).isEqualTo("Reachable");
    assertThat(s.events()).containsExactly(
        new ClusterEvent("Normal", "LeaderElected", "demo-0 became leader, term 7"));
  }

  @Test
  void sameLeaderAndTermAgainKeepsLeaderSinceAndCountsNothing() {
    CrawlerMasterStatus shown = written(null, decide(null, leads("demo-0", 7, T1)), T1);
    // An operator restart re-reads the same leader later: its observedAt is newer.
    LeaderStatus again = decide(shown, leads("demo-0", 7, T2));
    assertThat(again.fields().leaderTransitions()).isEqualTo(1);
    assertThat(again.fields().leaderSince()).isEqualTo("2026-11-02T10:00:00Z");
    assertThat(again.events()).isEmpty();
  }

  @Test
  void newLeaderOrNewTermOfTheSameReplicaCountsOneTransition() {
    CrawlerMasterStatus shown = written(null, decide(null, leads("demo-0", 7, T1)), T1);
    LeaderStatus next = decide(shown, leads("demo-1", 9, T2));
    assertThat(next.fields().leaderTransitions()).isEqualTo(2);
    assertThat(next.fields().leaderSince()).isEqualTo("2026-11-02T10:05:00Z");
    assertThat(next.events()).extracting(ClusterEvent::message)
        .containsExactly("demo-1 became leader, term 9");

    CrawlerMasterStatus shown2 = written(shown, next, T2);
    LeaderStatus reelected = decide(shown2, leads("demo-1", 12, T2.plusSeconds(60)));
    assertThat(reelected.fields().leaderTransitions()).isEqualTo(3);
    assertThat(reelected.fields().term()).isEqualTo(12);
  }

  @Test
  void noLeaderClearsLeaderFieldsKeepsCountAndWarnsOnce() {
    CrawlerMasterStatus shown = written(null, decide(null, leads("demo-0", 7, T1)), T1);
    LeaderStatus none = decide(shown, ElectionState.noLeader(T2, 0));
    assertThat(none.fields().leader()).isNull();
    assertThat(none.fields().term()).isNull();
    assertThat(none.fields().leaderSince()).isNull();
    assertThat(none.fields().leaderTransitions()).isEqualTo(1);
    assertThat(none.leaderPod()).isEmpty();
    assertThat(cond(none, CrawlerMasterConditions.LEADER_ELECTED).getStatus()).isEqualTo("False");
    assertThat(cond(none, CrawlerMasterConditions.LEADER_ELECTED).getReason()).isEqualTo("NoLeader");
    assertThat(none.events()).extracting(ClusterEvent::type, ClusterEvent::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Warning", "NoLeader"));

    CrawlerMasterStatus shownNone = written(shown, none, T2);
    assertThat(decide(shownNone, ElectionState.noLeader(T2, 0)).events()).isEmpty();
    LeaderStatus back = decide(shownNone, leads("demo-2", 11, T2.plusSeconds(3)));
    assertThat(back.fields().leaderTransitions()).isEqualTo(2);
  }

  @Test
  void aNewClusterWithoutLeaderYetDoesNotWarn() {
    LeaderStatus none = decide(null, ElectionState.noLeader(T1, 0));
    assertThat(none.events()).isEmpty();
    assertThat(none.fields().leaderTransitions()).isZero();
  }

  @Test
  void unreachableKeepsLastKnownLeaderLeavesRoleLabelsAloneAndWarnsOnce() {
    CrawlerMasterStatus shown = written(null, decide(null, leads("demo-0", 7, T1)), T1);
    ElectionState down = ElectionState.unreachable("etcd http://etcd:2379: connection refused", T2, 0);
    LeaderStatus s = decide(shown, down);
    assertThat(s.fields().leader()).isEqualTo("demo-0");
    assertThat(s.fields().term()).isEqualTo(7);
    assertThat(s.fields().leaderTransitions()).isEqualTo(1);
    assertThat(s.rolesDecided()).isFalse();
    Condition elected = cond(s, CrawlerMasterConditions.LEADER_ELECTED);
    assertThat(elected.getStatus()).isEqualTo("False");
    assertThat(elected.getReason()).isEqualTo("EtcdUnreachable");
    assertThat(elected.getMessage()).isEqualTo("etcd http://etcd:2379: connection refused");
    Condition reach = cond(s, CrawlerMasterConditions.ETCD_REACHABLE);
    assertThat(reach.getStatus()).isEqualTo("False");
    assertThat(reach.getReason()).isEqualTo("Unreachable");
    assertThat(s.events()).containsExactly(
        new ClusterEvent("Warning", "EtcdUnreachable", "etcd http://etcd:2379: connection refused"));

    CrawlerMasterStatus shownDown = written(shown, s, T2);
    assertThat(decide(shownDown, down).events()).isEmpty();
    // etcd is back with the same leader: no transition, leaderSince unchanged, no event.
    LeaderStatus back = decide(shownDown, leads("demo-0", 7, T2.plusSeconds(30)));
    assertThat(back.fields().leaderTransitions()).isEqualTo(1);
    assertThat(back.fields().leaderSince()).isEqualTo("2026-11-02T10:00:00Z");
    assertThat(back.events()).isEmpty();
    assertThat(back.leaderPod()).contains("demo-0");
  }

  @Test
  void leaderThatIsNotOurPodIsShownButNeverLabelled() {
    LeaderStatus otherJson = decide(null, leads("elsewhere-0", 4, T1));
    assertThat(otherJson.fields().leader()).isEqualTo("elsewhere-0");
    assertThat(otherJson.leaderPod()).isEmpty();
    Condition c = cond(otherJson, CrawlerMasterConditions.LEADER_ELECTED);
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("UnknownLeader");
    assertThat(c.getMessage()).contains("elsewhere-0").contains("not a pod of this cluster");
    assertThat(otherJson.events()).extracting(ClusterEvent::reason).containsExactly("UnknownLeader");

    ElectionState garbage =
        ElectionState.leading(new Candidate("/crawler/ns/demo/election/abc", 5, "lock-holder"), T1, 0);
    LeaderStatus raw = decide(null, garbage);
    assertThat(raw.fields().leader()).isEqualTo("lock-holder");
    assertThat(raw.fields().leaderAddress()).isNull();
    assertThat(raw.fields().term()).isEqualTo(5);
    assertThat(raw.leaderPod()).isEmpty();
    assertThat(cond(raw, CrawlerMasterConditions.LEADER_ELECTED).getMessage())
        .contains("not a master replica's proposal");
  }

  @Test
  void beforeTheFirstReadNothingChangesAndRolesAreLeftAlone() {
    CrawlerMasterStatus shown = written(null, decide(null, leads("demo-0", 7, T1)), T1);
    LeaderStatus s = decide(shown, null);
    assertThat(s.fields().leader()).isEqualTo("demo-0");
    assertThat(s.fields().leaderTransitions()).isEqualTo(1);
    assertThat(s.rolesDecided()).isFalse();
    assertThat(s.events()).isEmpty();
    assertThat(cond(s, CrawlerMasterConditions.LEADER_ELECTED).getStatus()).isEqualTo("True");
    assertThat(written(shown, s, T2)).isEqualTo(shown);
  }

  @Test
  void aNewClusterIsObservingUntilTheFirstRead() {
    LeaderStatus s = decide(null, null);
    assertThat(s.fields().leader()).isNull();
    assertThat(s.rolesDecided()).isFalse();
    assertThat(cond(s, CrawlerMasterConditions.LEADER_ELECTED).getStatus()).isEqualTo("Unknown");
    assertThat(cond(s, CrawlerMasterConditions.LEADER_ELECTED).getReason()).isEqualTo("Observing");
    assertThat(cond(s, CrawlerMasterConditions.ETCD_REACHABLE).getStatus()).isEqualTo("Unknown");
  }

  @Test
  void theLeaderChangeIsDecidedOnceAsATransition() {
    LeaderStatus first = decide(null, leads("demo-0", 7, T1));
    assertThat(first.transition()).hasValueSatisfying(t -> {
      assertThat(t.fromLeader()).isNull();
      assertThat(t.toLeader()).isEqualTo("demo-0");
      assertThat(t.toTerm()).isEqualTo(7);
    });
    CrawlerMasterStatus shown = written(null, first, T1);
    assertThat(decide(shown, leads("demo-0", 7, T2)).transition()).isEmpty();
    assertThat(decide(shown, ElectionState.unreachable("etcd x: down", T2, 0)).transition()).isEmpty();
    assertThat(decide(shown, ElectionState.noLeader(T2, 0)).transition())
        .hasValueSatisfying(t -> assertThat(t.toNoLeader()).isTrue());
    assertThat(decide(shown, leads("demo-1", 9, T2)).transition())
        .hasValueSatisfying(t -> assertThat(t.fromTerm()).isEqualTo(7));
  }

  @Test
  void unusableSecretsAndRefusedAccessGiveTheirReasonAndOneWarningPerChange() {
    LeaderStatus missing = LeaderStatus.unusableSecrets(null,
        new EtcdSecrets.Problem(CrawlerMasterConditions.SECRET_NOT_FOUND, "Secret ns/x not found"));
    Condition reachable = cond(missing, CrawlerMasterConditions.ETCD_REACHABLE);
    assertThat(reachable.getStatus()).isEqualTo("False");
    assertThat(reachable.getReason()).isEqualTo("SecretNotFound");
    assertThat(reachable.getMessage()).isEqualTo("Secret ns/x not found");
    assertThat(missing.events()).containsExactly(new ClusterEvent("Warning", "SecretNotFound", "Secret ns/x not found"));
    CrawlerMasterStatus shown = written(null, missing, T1);

    // The same cause again: no second Event.
    assertThat(LeaderStatus.unusableSecrets(shown,
        new EtcdSecrets.Problem(CrawlerMasterConditions.SECRET_NOT_FOUND, "Secret ns/x not found")).events()).isEmpty();

    // A new cause: its own reason and Event.
    LeaderStatus denied = decide(shown, ElectionState.unreachable(
        dev.crawler.etcd.EtcdFailure.Kind.PERMISSION_DENIED, "etcd e: denied", T2, 0));
    assertThat(cond(denied, CrawlerMasterConditions.ETCD_REACHABLE).getReason()).isEqualTo("PermissionDenied");
    assertThat(cond(denied, CrawlerMasterConditions.LEADER_ELECTED).getReason()).isEqualTo("EtcdUnreachable");
    assertThat(denied.events()).containsExactly(new ClusterEvent("Warning", "PermissionDenied", "etcd e: denied"));
  }
}
