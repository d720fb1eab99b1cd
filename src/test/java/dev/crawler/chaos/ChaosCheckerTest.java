package dev.crawler.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.KeyLayout;
import dev.crawler.testing.TestingElectionHistory.Event;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The checker reports each kind of violation it is fed, and nothing on a clean history. */
class ChaosCheckerTest {
  private static final KeyLayout LAYOUT = new KeyLayout("/crawler/chaos/c");
  private static final long BOUND_MS = 10_000;

  /** A history builder: etcd events, client ops, final state and revision times. */
  private static final class History {
    final List<Event> events = new ArrayList<>();
    final List<ClientOp> ops = new ArrayList<>();
    final Map<String, String> finalAssignments = new HashMap<>();
    Set<String> finalWorkers = Set.of("w1");
    Map<String, String> api;
    final List<long[]> times = new ArrayList<>();
    int livenessRestarts;
    final List<String> stallReports = new ArrayList<>();

    History leaderKey(long term) {
      events.add(new Event(term, LAYOUT.election() + "/" + Long.toHexString(term), true, term, "{}"));
      return this;
    }

    History leaderKeyDeleted(long term, long revision) {
      events.add(new Event(revision, LAYOUT.election() + "/" + Long.toHexString(term), false, 0, ""));
      return this;
    }

    History worker(String id, long revision) {
      events.add(new Event(revision, LAYOUT.worker(id), true, revision, "{\"id\":\"" + id + "\"}"));
      return this;
    }

    History workerGone(String id, long revision) {
      events.add(new Event(revision, LAYOUT.worker(id), false, 0, ""));
      return this;
    }

    History put(String name, long revision, long createRevision, String worker, long term) {
      String w = worker == null ? "null" : "\"" + worker + "\"";
      events.add(new Event(revision, LAYOUT.resource(name), true, createRevision,
          "{\"name\":\"" + name + "\",\"url\":\"https://example.com/\",\"worker\":" + w + ",\"term\":" + term + "}"));
      return this;
    }

    History deleted(String name, long revision) {
      events.add(new Event(revision, LAYOUT.resource(name), false, 0, ""));
      return this;
    }

    History op(ClientOp.Kind kind, String name, long at, int status, long term) {
      ops.add(new ClientOp("c1", kind, name, "m1", at, at + 5, status, "m1", term));
      return this;
    }

    History at(long revision, long ms) {
      times.add(new long[] {revision, ms});
      return this;
    }

    History ends(String name, String worker) {
      finalAssignments.put(name, worker);
      return this;
    }

    ChaosChecker.Result check() {
      return ChaosChecker.check(new ChaosChecker.Input(
          LAYOUT, ops, events, finalAssignments, finalWorkers, api, times, BOUND_MS, livenessRestarts, stallReports));
    }
  }

  /** Term 2 leads; worker w1; a created, b created and deleted. */
  private static History clean() {
    return new History()
        .leaderKey(2)
        .worker("w1", 3)
        .put("a", 4, 4, "w1", 2)
        .put("b", 5, 5, "w1", 2)
        .deleted("b", 6)
        .op(ClientOp.Kind.CREATE, "a", 100, 201, 2)
        .op(ClientOp.Kind.CREATE, "b", 200, 201, 2)
        .op(ClientOp.Kind.DELETE, "b", 300, 204, 0)
        .ends("a", "w1")
        .at(1, 0).at(6, 1000);
  }

  private static List<Integer> invariants(ChaosChecker.Result result) {
    return result.violations().stream().map(ChaosChecker.Violation::invariant).toList();
  }

  @Test
  void aCleanHistoryHasNoViolations() {
    History h = clean();
    h.api = Map.of("a", "w1");
    assertThat(h.check().violations()).isEmpty();
  }

  @Test
  void aLostWriteIsReported() {
    History h = clean();
    h.finalAssignments.remove("a");
    h.events.add(new Event(7, LAYOUT.resource("a"), false, 0, ""));
    assertThat(h.check().violations())
        .anySatisfy(v -> assertThat(v.message()).startsWith("lost write: create of a"));
  }

  @Test
  void anAcknowledgedCreateMissingFromEtcdIsReported() {
    History h = clean().op(ClientOp.Kind.CREATE, "ghost", 400, 201, 2);
    assertThat(h.check().violations())
        .anySatisfy(v -> assertThat(v.message()).contains("create of ghost").contains("not in etcd's history"));
  }

  @Test
  void anAcknowledgedDeleteThatDidNotStickIsReported() {
    History h = clean().op(ClientOp.Kind.DELETE, "a", 500, 204, 0);
    assertThat(invariants(h.check())).contains(1);
  }

  @Test
  void aStaleTermWriteIsReported() {
    History h = clean().leaderKeyDeleted(2, 7).leaderKey(8).put("a", 9, 4, "w1", 2);
    assertThat(h.check().violations())
        .anySatisfy(v -> {
          assertThat(v.invariant()).isEqualTo(2);
          assertThat(v.message()).contains("stale-term write").contains("deleted at revision 7");
        });
  }

  @Test
  void aWriteOfATermThatNeverLedIsReported() {
    History h = clean().put("a", 7, 4, "w1", 99);
    assertThat(invariants(h.check())).contains(2);
  }

  @Test
  void aResourceLeftOnADeadWorkerBeyondTheBoundIsReported() {
    History h = clean().worker("w2", 7).workerGone("w1", 8).put("a", 9, 4, "w2", 2).at(7, 2000).at(9, 2000 + BOUND_MS + 5000);
    h.finalAssignments.put("a", "w2");
    h.finalWorkers = Set.of("w2");
    ChaosChecker.Result result = h.check();
    assertThat(result.violations())
        .anySatisfy(v -> {
          assertThat(v.invariant()).isEqualTo(3);
          assertThat(v.message()).contains("stayed on a dead worker");
        });
    assertThat(result.longestHomelessMs()).isGreaterThan(BOUND_MS);
  }

  @Test
  void aResourceRehomedWithinTheBoundIsFine() {
    History h = clean().worker("w2", 7).workerGone("w1", 8).put("a", 9, 4, "w2", 2).at(7, 2000).at(9, 3000);
    h.finalAssignments.put("a", "w2");
    h.finalWorkers = Set.of("w2");
    assertThat(h.check().violations()).isEmpty();
  }

  @Test
  void aResourceEndingOnADeadWorkerIsReported() {
    History h = clean().worker("w2", 7).workerGone("w1", 8).at(8, 2000);
    h.finalWorkers = Set.of("w2");
    assertThat(h.check().violations())
        .anySatisfy(v -> assertThat(v.message()).isEqualTo("a ends assigned to dead worker w1 while workers [w2] are live"));
  }

  @Test
  void aDoubleAssignmentFromALiveWorkerIsReported() {
    History h = clean().worker("w2", 7).put("a", 8, 4, "w2", 2);
    h.finalAssignments.put("a", "w2");
    h.finalWorkers = Set.of("w1", "w2");
    assertThat(h.check().violations())
        .anySatisfy(v -> {
          assertThat(v.invariant()).isEqualTo(4);
          assertThat(v.message()).startsWith("double assignment: a moved from live worker w1 to w2");
        });
  }

  @Test
  void aCreateAcknowledgedTwiceIsReported() {
    History h = clean().op(ClientOp.Kind.CREATE, "a", 150, 201, 2);
    assertThat(h.check().violations())
        .anySatisfy(v -> assertThat(v.message()).startsWith("created twice: a was created twice"));
  }

  @Test
  void anApiThatDisagreesWithEtcdIsReported() {
    History h = clean();
    h.api = Map.of("a", "w2");
    assertThat(h.check().violations())
        .anySatisfy(v -> {
          assertThat(v.invariant()).isEqualTo(4);
          assertThat(v.message()).startsWith("the API disagrees with etcd");
        });
  }

  @Test
  void aLivenessRestartIsReportedAsAHealthyReplicaTakenForStalled() {
    History h = clean();
    h.livenessRestarts = 1;
    assertThat(h.check().violations())
        .anySatisfy(v -> {
          assertThat(v.invariant()).isEqualTo(6);
          assertThat(v.message()).startsWith("healthy replica taken for stalled: the liveness probe restarted 1");
        });
  }

  @Test
  void aMasterReportingNoProgressIsReportedAsAHealthyReplicaTakenForStalled() {
    History h = clean();
    h.stallReports.add("m1: leader work of term 5 made no progress for 6001 ms (bound 5000 ms)");
    assertThat(h.check().violations())
        .anySatisfy(v -> {
          assertThat(v.invariant()).isEqualTo(6);
          assertThat(v.message()).isEqualTo("healthy replica taken for stalled: "
              + "m1: leader work of term 5 made no progress for 6001 ms (bound 5000 ms)");
        });
  }

  @Test
  void twoTermsWritingAtOneRevisionAreReported() {
    History h = clean().leaderKey(3).put("a", 9, 4, "w1", 2);
    h.events.add(new Event(9, LAYOUT.resource("c"), true, 9,
        "{\"name\":\"c\",\"url\":\"u\",\"worker\":\"w1\",\"term\":3}"));
    h.finalAssignments.put("c", "w1");
    assertThat(h.check().violations())
        .anySatisfy(v -> assertThat(v.message()).isEqualTo("writes of terms [2, 3] applied at the same revision 9"));
  }

  @Test
  void anOlderTermWritingAfterANewerOneIsReported() {
    History h = clean().leaderKey(7).put("a", 8, 4, "w1", 7).put("a", 9, 4, "w1", 2);
    assertThat(h.check().violations())
        .anySatisfy(v -> assertThat(v.message()).isEqualTo("term 2 wrote at revision 9 after term 7 had written at revision 8"));
  }

  @Test
  void aHistoryThatDoesNotEndInTheFinalStateIsReported() {
    History h = clean().ends("zombie", "w1");
    assertThat(invariants(h.check())).contains(0);
  }
}
