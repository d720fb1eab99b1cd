package dev.crawler.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMasterStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusAggregatorTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00.700Z");
  private static final Instant T1 = Instant.parse("2026-01-01T00:05:00Z");

  private static StatefulSet sts(int replicas, int ready) {
    return new StatefulSetBuilder().withNewStatus().withReplicas(replicas).withReadyReplicas(ready).endStatus().build();
  }

  private static Condition ready(CrawlerMasterStatus s) {
    return StatusAggregator.find(s, StatusAggregator.READY).orElseThrow();
  }

  @Test
  void allReplicasReadyMakesReadyTrueAndStampsObservedGeneration() {
    CrawlerMasterStatus s = new StatusAggregator(null, 4L, T0).replicas(3, sts(3, 3)).build();

    assertThat(s.getObservedGeneration()).isEqualTo(4L);
    assertThat(s.getReplicas()).isEqualTo(3);
    assertThat(s.getReadyReplicas()).isEqualTo(3);
    Condition c = ready(s);
    assertThat(c.getStatus()).isEqualTo("True");
    assertThat(c.getReason()).isEqualTo("ReplicasReady");
    assertThat(c.getMessage()).isEqualTo("3/3 replicas ready");
    assertThat(c.getObservedGeneration()).isEqualTo(4L);
    assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
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
    CrawlerMasterStatus readyNow = new StatusAggregator(notReady, 1L, T1).replicas(3, sts(3, 3)).build();

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
  void leaderFieldsWrittenElsewhereAreCarriedOver() {
    CrawlerMasterStatus previous = new CrawlerMasterStatus();
    previous.setLeader("demo-1");
    previous.setLeaderAddress("10.0.0.2:8080");
    previous.setTerm(42L);
    previous.setLeaderSince("2026-01-01T00:00:00Z");
    previous.setLeaderTransitions(3L);

    CrawlerMasterStatus s = new StatusAggregator(previous, 1L, T0).replicas(3, sts(3, 3)).build();

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
