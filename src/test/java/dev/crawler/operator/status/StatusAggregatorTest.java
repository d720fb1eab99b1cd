package dev.crawler.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.election.ElectionState;
import dev.crawler.election.Candidate;
import dev.crawler.election.CandidateInfo;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StatusAggregatorTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00.700Z");
  private static final Instant T1 = Instant.parse("2026-01-01T00:05:00Z");
  private static final Set<String> PODS = Set.of("demo-0", "demo-1", "demo-2");

  private static StatefulSet sts(int replicas, int ready) {
    return new StatefulSetBuilder().withNewStatus().withReplicas(replicas).withReadyReplicas(ready).endStatus().build();
  }

  private static LeaderStatus leads(CrawlerMasterStatus prev, String pod, long term, Instant at) {
    String value = new String(new CandidateInfo(pod, pod + ":8080").toJson(), StandardCharsets.UTF_8);
    return LeaderStatus.decide(prev,
        Optional.of(ElectionState.leading(new Candidate("/crawler/ns/demo/election/1" + term, term, value), at, 0)), PODS);
  }

  private static LeaderStatus noLeader(CrawlerMasterStatus prev, Instant at) {
    return LeaderStatus.decide(prev, Optional.of(ElectionState.noLeader(at, 0)), PODS);
  }

  private static Condition cond(CrawlerMasterStatus s, String type) {
    return CrawlerMasterConditions.find(s, type).orElseThrow();
  }

  private static Condition ready(CrawlerMasterStatus s) {
    return CrawlerMasterConditions.find(s, CrawlerMasterConditions.READY).orElseThrow();
  }

  @Test
  void allReplicasReadyAndALeaderMakeReadyTrueAndStampObservedGeneration() {
    CrawlerMasterStatus s =
        new StatusAggregator(null, 4L, T0).replicas(3, sts(3, 3)).leader(leads(null, "demo-1", 7, T0)).build();

    assertThat(s.getObservedGeneration()).isEqualTo(4L);
    assertThat(s.getReplicas()).isEqualTo(3);
    assertThat(s.getReadyReplicas()).isEqualTo(3);
    assertThat(s.getLeader()).isEqualTo("demo-1");
    assertThat(s.getTerm()).isEqualTo(7L);
    assertThat(s.getLeaderTransitions()).isEqualTo(1L);
    Condition c = ready(s);
    assertThat(c.getStatus()).isEqualTo("True");
    assertThat(c.getReason()).isEqualTo("ReplicasReadyAndLeaderElected");
    assertThat(c.getMessage()).isEqualTo("3/3 replicas ready; demo-1 leads in term 7");
    assertThat(c.getObservedGeneration()).isEqualTo(4L);
    assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(s.getConditions()).extracting(Condition::getType)
        .containsExactly("Ready", "LeaderElected", "EtcdReachable");
    assertThat(s.getConditions()).allSatisfy(k -> {
      assertThat(k.getObservedGeneration()).isEqualTo(4L);
      assertThat(k.getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
    });
  }

  @Test
  void readyReplicasWithoutALeaderAreNotReadyAndSayWhy() {
    CrawlerMasterStatus none = new StatusAggregator(null, 1L, T0).replicas(3, sts(3, 3)).leader(noLeader(null, T0)).build();
    assertThat(ready(none).getStatus()).isEqualTo("False");
    assertThat(ready(none).getReason()).isEqualTo("NoLeader");
    assertThat(ready(none).getMessage()).startsWith("3/3 replicas ready; no replica holds the election");
    assertThat(none.getLeader()).isNull();

    LeaderStatus down = LeaderStatus.decide(null,
        Optional.of(ElectionState.unreachable("etcd http://e:2379: refused", T0, 0)), PODS);
    CrawlerMasterStatus unreachable = new StatusAggregator(null, 1L, T0).replicas(3, sts(3, 3)).leader(down).build();
    assertThat(ready(unreachable).getReason()).isEqualTo("EtcdUnreachable");
    assertThat(cond(unreachable, "EtcdReachable").getStatus()).isEqualTo("False");
    assertThat(cond(unreachable, "EtcdReachable").getMessage()).isEqualTo("etcd http://e:2379: refused");

    CrawlerMasterStatus notYet = new StatusAggregator(null, 1L, T0).replicas(3, sts(3, 3)).build();
    assertThat(ready(notYet).getStatus()).isEqualTo("False");
    assertThat(ready(notYet).getReason()).isEqualTo("Observing");
  }

  @Test
  void leaderConditionsKeepLastTransitionTimeUntilTheirStatusFlips() {
    CrawlerMasterStatus first = new StatusAggregator(null, 1L, T0).replicas(3, sts(3, 3)).leader(leads(null, "demo-0", 7, T0)).build();
    CrawlerMasterStatus next = new StatusAggregator(first, 1L, T1).replicas(3, sts(3, 3)).leader(leads(first, "demo-1", 9, T1)).build();
    assertThat(cond(next, "LeaderElected").getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(cond(next, "LeaderElected").getMessage()).isEqualTo("demo-1 leads in term 9");
    assertThat(ready(next).getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(next.getLeaderSince()).isEqualTo("2026-01-01T00:05:00Z");

    CrawlerMasterStatus flipped = new StatusAggregator(next, 1L, T1).replicas(3, sts(3, 3)).leader(noLeader(next, T1)).build();
    assertThat(cond(flipped, "LeaderElected").getLastTransitionTime()).isEqualTo("2026-01-01T00:05:00Z");
    assertThat(cond(flipped, "EtcdReachable").getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(ready(flipped).getLastTransitionTime()).isEqualTo("2026-01-01T00:05:00Z");
    assertThat(flipped.getLeaderTransitions()).isEqualTo(2L);
  }

  @Test
  void sameElectionAgainGivesAnEqualStatusSoNothingIsPatched() {
    CrawlerMasterStatus first = new StatusAggregator(null, 1L, T0).replicas(3, sts(3, 3)).leader(leads(null, "demo-0", 7, T0)).build();
    CrawlerMasterStatus again = new StatusAggregator(first, 1L, T1).replicas(3, sts(3, 3)).leader(leads(first, "demo-0", 7, T1)).build();
    assertThat(again).isEqualTo(first);
  }

  @Test
  void missingOrPartlyReadyStatefulSetIsNotReady() {
    assertThat(ready(new StatusAggregator(null, 1L, T0).replicas(3, null).build()).getReason())
        .isEqualTo("ReplicasNotReady");
    CrawlerMasterStatus partly = new StatusAggregator(null, 1L, T0).replicas(3, sts(3, 2)).build();
    assertThat(ready(partly).getStatus()).isEqualTo("False");
    assertThat(ready(partly).getMessage()).isEqualTo("2/3 replicas ready");
    CrawlerMasterStatus scaling = new StatusAggregator(null, 1L, T0).replicas(5, sts(3, 3)).build();
    assertThat(ready(scaling).getStatus()).isEqualTo("False");
    CrawlerMasterStatus noStatusYet = new StatusAggregator(null, 1L, T0).replicas(3, new StatefulSet()).build();
    assertThat(noStatusYet.getReadyReplicas()).isZero();
  }

  @Test
  void lastTransitionTimeIsKeptWhileStatusStaysTheSameEvenIfReasonOrMessageChange() {
    CrawlerMasterStatus first = new StatusAggregator(null, 1L, T0).replicas(3, sts(3, 1)).build();
    CrawlerMasterStatus second = new StatusAggregator(first, 2L, T1).invalidSpec(Optional.of("spec.etcd: x")).build();

    assertThat(ready(second).getStatus()).isEqualTo("False");
    assertThat(ready(second).getReason()).isEqualTo("InvalidSpec");
    assertThat(ready(second).getLastTransitionTime()).isEqualTo(ready(first).getLastTransitionTime());
    assertThat(ready(second).getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void lastTransitionTimeMovesWhenStatusFlips() {
    CrawlerMasterStatus notReady = new StatusAggregator(null, 1L, T0).replicas(3, sts(3, 1)).build();
    CrawlerMasterStatus readyNow =
        new StatusAggregator(notReady, 1L, T1).replicas(3, sts(3, 3)).leader(leads(notReady, "demo-0", 7, T1)).build();

    assertThat(ready(readyNow).getLastTransitionTime()).isEqualTo("2026-01-01T00:05:00Z");
  }

  @Test
  void unchangedInputsGiveAnEqualStatusSoNothingIsPatched() {
    CrawlerMasterStatus first = new StatusAggregator(null, 1L, T0).replicas(3, sts(3, 3)).build();
    CrawlerMasterStatus again = new StatusAggregator(first, 1L, T1).replicas(3, sts(3, 3)).build();

    assertThat(again).isEqualTo(first);
  }

  @Test
  void invalidSpecMakesReadyFalseButStillReportsExistingReplicas() {
    CrawlerMasterStatus s = new StatusAggregator(null, 3L, T0)
        .invalidSpec(Optional.of("spec.etcd.endpoints[1]: bad"))
        .replicas(3, sts(3, 3))
        .build();

    assertThat(ready(s).getStatus()).isEqualTo("False");
    assertThat(ready(s).getReason()).isEqualTo("InvalidSpec");
    assertThat(ready(s).getMessage()).isEqualTo("spec.etcd.endpoints[1]: bad");
    assertThat(s.getReadyReplicas()).isEqualTo(3);
  }

  @Test
  void withoutAnElectionInputLeaderFieldsAndConditionsAreCarriedOver() {
    CrawlerMasterStatus previous = new CrawlerMasterStatus();
    previous.setLeader("demo-1");
    previous.setLeaderAddress("10.0.0.2:8080");
    previous.setTerm(42L);
    previous.setLeaderSince("2026-01-01T00:00:00Z");
    previous.setLeaderTransitions(3L);

    CrawlerMasterStatus withLeader = new StatusAggregator(null, 1L, T0).replicas(3, sts(3, 3)).leader(leads(null, "demo-1", 42, T0)).build();
    previous.setConditions(withLeader.getConditions());

    CrawlerMasterStatus s = new StatusAggregator(previous, 1L, T1).invalidSpec(Optional.of("spec: x")).replicas(3, sts(3, 3)).build();

    assertThat(cond(s, "LeaderElected")).isEqualTo(cond(withLeader, "LeaderElected"));
    assertThat(cond(s, "EtcdReachable")).isEqualTo(cond(withLeader, "EtcdReachable"));
    assertThat(ready(s).getReason()).isEqualTo("InvalidSpec");
    assertThat(s.getLeader()).isEqualTo("demo-1");
    assertThat(s.getLeaderAddress()).isEqualTo("10.0.0.2:8080");
    assertThat(s.getTerm()).isEqualTo(42L);
    assertThat(s.getLeaderSince()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(s.getLeaderTransitions()).isEqualTo(3L);
  }

  @Test
  void reconcileErrorMakesReadyFalseWithACutMessage() {
    CrawlerMasterStatus s = new StatusAggregator(null, 1L, T0).reconcileError("x".repeat(5000)).replicas(3, sts(3, 3)).build();

    assertThat(ready(s).getStatus()).isEqualTo("False");
    assertThat(ready(s).getReason()).isEqualTo("ReconcileError");
    assertThat(ready(s).getMessage()).hasSize(1024).endsWith("...");
  }
}
