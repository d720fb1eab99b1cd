package dev.crawler.master;

import dev.crawler.api.Resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AssignmentTest {

  private static Resource r(String name, String worker) {
    return new Resource(name, "https://example.com/" + name, worker, 1);
  }

  @Test
  void unassignedResourcesGoToTheLeastLoadedWorkerInNameOrder() {
    List<Resource> resources = List.of(r("c", null), r("a", null), r("b", null), r("x", "w1"));
    assertThat(Assignment.plan(resources, Set.of("w1", "w2")))
        .containsExactly(
            new Assignment.Move("a", null, "w2"),
            new Assignment.Move("b", null, "w1"),
            new Assignment.Move("c", null, "w2"));
  }

  @Test
  void tiesGoToTheSmallestWorkerId() {
    assertThat(Assignment.leastLoaded(Map.of("w2", 1, "w1", 1, "w3", 1))).contains("w1");
    assertThat(Assignment.leastLoaded(Map.of("w2", 0, "w1", 1))).contains("w2");
    assertThat(Assignment.leastLoaded(Map.of())).isEmpty();
  }

  @Test
  void resourcesOfADeadWorkerAreSpreadOverTheLiveOnes() {
    List<Resource> resources =
        List.of(r("a", "dead"), r("b", "dead"), r("c", "dead"), r("d", "w1"), r("e", "w2"), r("f", "w2"));
    List<Assignment.Move> moves = Assignment.plan(resources, Set.of("w1", "w2"));
    assertThat(moves)
        .containsExactly(
            new Assignment.Move("a", "dead", "w1"),
            new Assignment.Move("b", "dead", "w1"),
            new Assignment.Move("c", "dead", "w2"));
  }

  @Test
  void resourcesOnLiveWorkersStayPut() {
    List<Resource> resources = List.of(r("a", "w1"), r("b", "w1"), r("c", "w1"));
    assertThat(Assignment.plan(resources, Set.of("w1", "w2"))).isEmpty();
  }

  @Test
  void withoutLiveWorkersResourcesOfDeadOnesBecomeUnassignedAndUnassignedOnesStay() {
    List<Resource> resources = List.of(r("a", "dead"), r("b", null));
    assertThat(Assignment.plan(resources, Set.of())).containsExactly(new Assignment.Move("a", "dead", null));
  }

  @Test
  void loadsCountOnlyLiveWorkers() {
    List<Resource> resources = List.of(r("a", "w1"), r("b", "dead"), r("c", null));
    assertThat(Assignment.loads(resources, Set.of("w1", "w2"))).isEqualTo(Map.of("w1", 1, "w2", 0));
  }
}
