package dev.crawler.operator.resources;

import static dev.crawler.operator.resources.RoleLabels.FOLLOWER;
import static dev.crawler.operator.resources.RoleLabels.LEADER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.operator.resources.RoleLabels.RoleChange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoleLabelsTest {
  private static Map<String, String> roles(String... podAndRole) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < podAndRole.length; i += 2) {
      m.put(podAndRole[i], podAndRole[i + 1]);
    }
    return m;
  }

  @Test
  void oldLeaderIsDemotedBeforeTheNewOneIsPromoted() {
    List<RoleChange> plan =
        RoleLabels.plan(roles("demo-0", LEADER, "demo-1", FOLLOWER, "demo-2", null), Optional.of("demo-1"));
    assertThat(plan).containsExactly(
        new RoleChange("demo-0", FOLLOWER),
        new RoleChange("demo-2", FOLLOWER),
        new RoleChange("demo-1", LEADER));
  }

  @Test
  void aPromotionSetsFollowerAgainOnEveryOtherPodBecauseTheCacheMayLagBehindAnEarlierPromotion() {
    // demo-0 was promoted a moment ago but the cache still shows it as follower.
    List<RoleChange> plan =
        RoleLabels.plan(roles("demo-0", FOLLOWER, "demo-1", FOLLOWER, "demo-2", FOLLOWER), Optional.of("demo-1"));
    assertThat(plan).containsExactly(
        new RoleChange("demo-0", FOLLOWER),
        new RoleChange("demo-2", FOLLOWER),
        new RoleChange("demo-1", LEADER));
  }

  @Test
  void nothingToDoWhenLabelsAlreadyMatch() {
    assertThat(RoleLabels.plan(roles("demo-0", FOLLOWER, "demo-1", LEADER), Optional.of("demo-1")))
        .isEmpty();
  }

  @Test
  void noLeaderOrALeaderThatIsNotOneOfThePodsMeansNoPodIsLabelledLeader() {
    Map<String, String> current = roles("demo-0", LEADER, "demo-1", FOLLOWER);
    assertThat(RoleLabels.plan(current, Optional.empty()))
        .containsExactly(new RoleChange("demo-0", FOLLOWER));
    assertThat(RoleLabels.plan(current, Optional.of("elsewhere-0")))
        .containsExactly(new RoleChange("demo-0", FOLLOWER));
  }

  @Test
  void everyPrefixOfEveryPlanKeepsAtMostOneLeaderAndTheWholePlanReachesTheGoal() {
    List<String> pods = List.of("demo-0", "demo-1", "demo-2");
    List<String> labelValues = Arrays.asList(null, FOLLOWER, LEADER, "other");
    List<Optional<String>> leaders =
        List.of(Optional.empty(), Optional.of("demo-0"), Optional.of("demo-1"), Optional.of("demo-2"),
            Optional.of("elsewhere-0"));
    int plans = 0;
    for (String r0 : labelValues) {
      for (String r1 : labelValues) {
        for (String r2 : labelValues) {
          Map<String, String> start = new HashMap<>();
          start.put("demo-0", r0);
          start.put("demo-1", r1);
          start.put("demo-2", r2);
          for (Optional<String> leader : leaders) {
            List<RoleChange> plan = RoleLabels.plan(start, leader);
            plans++;
            Map<String, String> state = new HashMap<>(start);
            boolean startedValid = RoleLabels.atMostOneLeader(start);
            List<String> steps = new ArrayList<>();
            for (RoleChange c : plan) {
              state.put(c.pod(), c.role());
              steps.add(c.pod() + "=" + c.role());
              if (startedValid) {
                assertThat(RoleLabels.atMostOneLeader(state))
                    .as("start %s, leader %s, after %s", start, leader, steps).isTrue();
              }
            }
            for (String pod : pods) {
              String want = leader.filter(pod::equals).isPresent() ? LEADER : FOLLOWER;
              assertThat(state.get(pod)).as("start %s, leader %s", start, leader).isEqualTo(want);
            }
            int promotions = (int) plan.stream().filter(c -> c.role().equals(LEADER)).count();
            assertThat(promotions).isLessThanOrEqualTo(1);
            if (promotions == 1) {
              assertThat(plan.get(plan.size() - 1).role()).isEqualTo(LEADER);
            }
          }
        }
      }
    }
    assertThat(plans).isEqualTo(64 * 5);
  }
}
