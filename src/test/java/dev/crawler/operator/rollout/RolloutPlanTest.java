package dev.crawler.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.operator.rollout.RolloutPlan.PodState;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RolloutPlanTest {
  private static final Optional<String> NEW = Optional.of("new");

  private static PodState pod(String name, String revision) {
    return new PodState(name, revision, true, false);
  }

  private static RolloutPlan.Step next(Optional<String> leader, PodState... pods) {
    return RolloutPlan.next(NEW, List.of(pods), 3, leader);
  }

  @Test
  void followersAreUpdatedOneAtATimeFromTheHighestOrdinalThenOneSwitchoverThenTheOldLeader() {
    Optional<String> leader = Optional.of("demo-1");
    assertThat(next(leader, pod("demo-0", "old"), pod("demo-1", "old"), pod("demo-2", "old")))
        .isEqualTo(new RolloutPlan.DeletePod("demo-2"));
    assertThat(next(leader, pod("demo-0", "old"), pod("demo-1", "old"), pod("demo-2", "new")))
        .isEqualTo(new RolloutPlan.DeletePod("demo-0"));
    assertThat(next(leader, pod("demo-0", "new"), pod("demo-1", "old"), pod("demo-2", "new")))
        .isEqualTo(new RolloutPlan.SwitchoverTo("demo-0"));
    Optional<String> after = Optional.of("demo-0");
    assertThat(next(after, pod("demo-0", "new"), pod("demo-1", "old"), pod("demo-2", "new")))
        .isEqualTo(new RolloutPlan.DeletePod("demo-1"));
    assertThat(next(after, pod("demo-0", "new"), pod("demo-1", "new"), pod("demo-2", "new")))
        .isInstanceOf(RolloutPlan.Done.class);
  }

  @Test
  void nothingMovesWhileAReplicaIsMissingGoingAwayOrNotReady() {
    Optional<String> leader = Optional.of("demo-0");
    assertThat(next(leader, pod("demo-0", "old"), pod("demo-1", "old"))).isInstanceOf(RolloutPlan.Wait.class);
    assertThat(next(leader, pod("demo-0", "old"), pod("demo-1", "old"), new PodState("demo-2", "new", true, true)))
        .isInstanceOf(RolloutPlan.Wait.class);
    assertThat(next(leader, pod("demo-0", "old"), pod("demo-1", "old"), new PodState("demo-2", "new", false, false)))
        .isInstanceOfSatisfying(RolloutPlan.Wait.class, w -> assertThat(w.why()).contains("1/3 replicas updated"));
    assertThat(RolloutPlan.next(Optional.empty(), List.of(pod("demo-0", "old")), 1, leader)).isInstanceOf(RolloutPlan.Wait.class);
  }

  @Test
  void anOutdatedFollowerThatIsNotReadyIsReplacedFirstButTheLeaderNeverBlindly() {
    assertThat(next(Optional.of("demo-0"), pod("demo-0", "old"), new PodState("demo-1", "old", false, false), pod("demo-2", "old")))
        .isEqualTo(new RolloutPlan.DeletePod("demo-1"));
    assertThat(next(Optional.empty(), pod("demo-0", "old"), pod("demo-1", "old"), pod("demo-2", "old")))
        .isInstanceOfSatisfying(RolloutPlan.Wait.class, w -> assertThat(w.why()).contains("known leader"));
  }

  @Test
  void aSingleReplicaIsRestartedAndAnUpdatedReadySetIsDone() {
    assertThat(RolloutPlan.next(NEW, List.of(pod("demo-0", "old")), 1, Optional.of("demo-0")))
        .isEqualTo(new RolloutPlan.DeletePod("demo-0"));
    assertThat(RolloutPlan.next(NEW, List.of(pod("demo-0", "new")), 1, Optional.of("demo-0")))
        .isInstanceOf(RolloutPlan.Done.class);
  }

  @Test
  void onlyATakenOrFailedStepIsLookedAtAgainWithoutAnEvent() {
    assertThat(RolloutPlan.looksAgainSoon(new RolloutPlan.Wait("waiting for the StatefulSet's update revision"))).isFalse();
    assertThat(RolloutPlan.looksAgainSoon(new RolloutPlan.Done())).isFalse();
    assertThat(RolloutPlan.looksAgainSoon(new RolloutPlan.DeletePod("demo-2"))).isTrue();
    assertThat(RolloutPlan.looksAgainSoon(new RolloutPlan.SwitchoverTo("demo-0"))).isTrue();
    assertThat(RolloutPlan.looksAgainSoon(new RolloutPlan.Retry("switchover to demo-0 failed, retrying"))).isTrue();
  }
}
