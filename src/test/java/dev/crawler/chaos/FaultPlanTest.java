package dev.crawler.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FaultPlanTest {

  private static List<FaultPlan.Fault> masterFaults(FaultPlan plan, int n) {
    return IntStream.range(0, n).mapToObj(i -> plan.nextMasterFault()).toList();
  }

  @Test
  void theSameSeedReplaysTheSameSchedule() {
    FaultPlan a = new FaultPlan(42, 3, true);
    FaultPlan b = new FaultPlan(42, 3, true);
    assertThat(masterFaults(a, 50)).isEqualTo(masterFaults(b, 50));
    assertThat(IntStream.range(0, 20).mapToObj(i -> a.nextEtcdFault()).toList())
        .isEqualTo(IntStream.range(0, 20).mapToObj(i -> b.nextEtcdFault()).toList());
    assertThat(a.nextWorkerStep()).isEqualTo(b.nextWorkerStep());
    assertThat(masterFaults(new FaultPlan(43, 3, true), 50)).isNotEqualTo(masterFaults(new FaultPlan(42, 3, true), 50));
  }

  @Test
  void everyKindComesUpAndLanesTakeOnlyTheirOwn() {
    FaultPlan plan = new FaultPlan(7, 3, true);
    Set<FaultKind> seen = EnumSet.noneOf(FaultKind.class);
    masterFaults(plan, 40).forEach(f -> {
      assertThat(f.kind().lane()).isEqualTo(FaultKind.Lane.MASTER);
      seen.add(f.kind());
    });
    IntStream.range(0, 4).forEach(i -> seen.add(plan.nextEtcdFault().kind()));
    assertThat(seen).containsAll(EnumSet.complementOf(EnumSet.of(FaultKind.WORKER_DEATH)));
  }

  @Test
  void withoutNetworkNamespacesNoPartitionIsPlanned() {
    assertThat(masterFaults(new FaultPlan(7, 3, false), 200)).noneMatch(f -> f.kind().needsNetwork());
  }

  @Test
  void pausesAndEtcdPartitionsOutlastTheLeaseTtl() {
    assertThat(masterFaults(new FaultPlan(9, 3, true), 200))
        .filteredOn(f -> f.kind() == FaultKind.SIGSTOP || f.kind() == FaultKind.PARTITION_MASTER_ETCD)
        .isNotEmpty()
        .allSatisfy(f -> assertThat(f.holdMs()).isGreaterThan(3000));
  }
}
