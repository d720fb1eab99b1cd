package dev.crawler.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.api.KeyLayout;
import dev.crawler.support.Json;
import dev.crawler.testing.TestingElectionHistory.Event;
import dev.crawler.testing.TestingElectionHistory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Pure check of one chaos run: the clients' history and etcd's own revision history against the
 * six invariants (docs/reliability.md). Reads nothing but its input.
 */
public final class ChaosChecker {
  private ChaosChecker() {}

  /** A broken invariant (1-6; 0: the input itself does not add up). */
  public record Violation(int invariant, String message) {
    @Override
    public String toString() {
      return "invariant " + invariant + ": " + message;
    }
  }

  /**
   * What the checker reads.
   *
   * @param events etcd's history of the election, workers and resources (any order; sorted by revision here)
   * @param finalAssignments every resource in etcd at the end -> its worker (null: unassigned)
   * @param finalWorkers the workers registered in etcd at the end
   * @param apiAssignments the same as a replica's {@code GET /api/v1/resources} answered it at the end
   * @param revisionTimes samples {revision, epoch ms}: etcd was at that revision at that time
   * @param deadAssignmentBoundMs how long a resource may stay on a dead worker (or none) once etcd
   *     deleted the worker's key, while some worker is alive
   * @param livenessRestarts how often the harness's liveness probe restarted a replica
   * @param stallReports the masters' log lines that report leader work as hung ("made no progress")
   */
  public record Input(
      KeyLayout layout,
      List<ClientOp> ops,
      List<Event> events,
      Map<String, String> finalAssignments,
      Set<String> finalWorkers,
      Map<String, String> apiAssignments,
      List<long[]> revisionTimes,
      long deadAssignmentBoundMs,
      int livenessRestarts,
      List<String> stallReports) {}

  /** The violations, and the longest time a resource stayed on a dead worker (or none). */
  public record Result(List<Violation> violations, long longestHomelessMs) {}

  private record Put(String worker, long term) {}

  public static Result check(Input in) {
    List<Violation> violations = new ArrayList<>();
    List<Event> events = new ArrayList<>(in.events());
    events.sort(Comparator.comparingLong(Event::revision));
    String election = in.layout().election();
    String workersDir = in.layout().workersDir();
    String resourcesDir = in.layout().resourcesDir();
    List<Event> electionEvents = events.stream().filter(e -> e.key().startsWith(election)).toList();
    List<Event> workerEvents = events.stream().filter(e -> e.key().startsWith(workersDir)).toList();
    List<Event> resourceEvents = events.stream().filter(e -> e.key().startsWith(resourcesDir)).toList();

    lostWrites(in, resourceEvents, violations);
    staleTermWrites(electionEvents, resourceEvents, violations);
    long longest = deadWorkersAndDoubleAssignment(in, events, violations);
    oneTermPerRevision(resourceEvents, violations);
    noHealthyReplicaTakenForStalled(in, violations);
    return new Result(List.copyOf(violations), longest);
  }

  /** Invariant 1: every acknowledged create landed and is present, unless a delete may have removed it. */
  private static void lostWrites(Input in, List<Event> resourceEvents, List<Violation> violations) {
    Map<String, List<ClientOp>> byName = in.ops().stream()
        .collect(Collectors.groupingBy(ClientOp::name, TreeMap::new, Collectors.toList()));
    for (Map.Entry<String, List<ClientOp>> entry : byName.entrySet()) {
      String name = entry.getKey();
      String key = in.layout().resource(name);
      List<ClientOp> ops = entry.getValue();
      for (ClientOp create : ops) {
        if (create.kind() != ClientOp.Kind.CREATE || !create.acknowledged()) {
          continue;
        }
        boolean landed = resourceEvents.stream()
            .anyMatch(e -> e.key().equals(key) && e.put() && e.createRevision() == e.revision()
                && TestingElectionHistory.termOf(e.value()) == create.term());
        if (!landed) {
          violations.add(new Violation(1, "create of " + name + " acknowledged by " + create.servedBy()
              + " in term " + create.term() + " is not in etcd's history"));
        }
        boolean mayBeDeleted = ops.stream().anyMatch(d -> d.kind() == ClientOp.Kind.DELETE
            && (d.acknowledged() || d.indeterminate()) && d.completedMs() >= create.invokedMs());
        if (!in.finalAssignments().containsKey(name) && !mayBeDeleted) {
          violations.add(new Violation(1, "lost write: create of " + name + " acknowledged by "
              + create.servedBy() + " in term " + create.term() + " but " + name
              + " is gone and no delete of it was acknowledged or in doubt"));
        }
      }
      for (ClientOp delete : ops) {
        if (delete.kind() != ClientOp.Kind.DELETE || !delete.acknowledged()) {
          continue;
        }
        boolean recreated = ops.stream().anyMatch(c -> c.kind() == ClientOp.Kind.CREATE
            && (c.acknowledged() || c.indeterminate()) && c.completedMs() >= delete.invokedMs());
        if (in.finalAssignments().containsKey(name) && !recreated) {
          violations.add(new Violation(1, "delete of " + name + " acknowledged by " + delete.servedBy()
              + " but " + name + " is still there and nobody created it again"));
        }
      }
    }
  }

  /** Invariant 2: each resource write landed while its term's leader key existed. */
  private static void staleTermWrites(List<Event> electionEvents, List<Event> resourceEvents, List<Violation> violations) {
    Map<Long, Long> lifetimes = TestingElectionHistory.leaderKeyLifetimes(electionEvents);
    for (Event e : resourceEvents) {
      if (!e.put()) {
        continue;
      }
      long term = TestingElectionHistory.termOf(e.value());
      Long deletedAt = lifetimes.get(term);
      if (deletedAt == null) {
        violations.add(new Violation(2, "stale-term write: " + e.key() + " written at revision " + e.revision()
            + " by term " + term + ", which never was a key of the election"));
      } else if (e.revision() < term || e.revision() >= deletedAt) {
        violations.add(new Violation(2, "stale-term write: " + e.key() + " written at revision " + e.revision()
            + " by term " + term + ", whose leader key was deleted at revision " + deletedAt));
      }
    }
  }

  /**
   * Invariants 3 and 4, replayed revision by revision: how long each resource sat on a dead
   * worker (or none while a worker lived), whether one moved away from a live worker (two workers
   * would own it), whether a create was acknowledged twice, and whether the end state agrees.
   */
  private static long deadWorkersAndDoubleAssignment(Input in, List<Event> events, List<Violation> violations) {
    RevisionClock clock = new RevisionClock(in.revisionTimes());
    String workersDir = in.layout().workersDir();
    String resourcesDir = in.layout().resourcesDir();
    Set<String> alive = new HashSet<>();
    Map<String, String> assigned = new HashMap<>();
    Map<String, Long> homelessSince = new HashMap<>();
    long longest = 0;
    int i = 0;
    while (i < events.size()) {
      long revision = events.get(i).revision();
      boolean workersChanged = false;
      Set<String> touched = new HashSet<>();
      for (; i < events.size() && events.get(i).revision() == revision; i++) {
        Event e = events.get(i);
        if (e.key().startsWith(workersDir)) {
          String id = e.key().substring(workersDir.length());
          workersChanged |= e.put() ? alive.add(id) : alive.remove(id);
        } else if (e.key().startsWith(resourcesDir)) {
          String name = e.key().substring(resourcesDir.length());
          touched.add(name);
          if (!e.put()) {
            assigned.remove(name);
            continue;
          }
          Put put = parse(e.value());
          String before = assigned.get(name);
          if (before != null && !before.equals(put.worker()) && alive.contains(before)) {
            violations.add(new Violation(4, "double assignment: " + name + " moved from live worker " + before
                + " to " + put.worker() + " at revision " + revision + " (term " + put.term() + ")"));
          }
          assigned.put(name, put.worker());
        }
      }
      Set<String> check = workersChanged ? new HashSet<>(assigned.keySet()) : touched;
      check.addAll(touched);
      for (String name : check) {
        boolean present = assigned.containsKey(name);
        String worker = assigned.get(name);
        boolean homeless = present && !alive.isEmpty() && (worker == null || !alive.contains(worker));
        Long since = homelessSince.get(name);
        if (!present && since == null) {
          continue;
        }
        if (homeless && since == null) {
          homelessSince.put(name, revision);
        } else if (!homeless && since != null) {
          homelessSince.remove(name);
          long took = clock.atMostBetween(since, revision);
          longest = Math.max(longest, took);
          // Not when the last worker died meanwhile: then there was nobody to give it to.
          boolean rehomed = !present || (worker != null && alive.contains(worker));
          if (rehomed && took > in.deadAssignmentBoundMs()) {
            violations.add(new Violation(3, name + " stayed on a dead worker (or none) for up to " + took
                + " ms, from revision " + since + " to " + revision + ": longer than the bound of "
                + in.deadAssignmentBoundMs() + " ms"));
          }
        }
      }
    }
    for (Map.Entry<String, String> r : in.finalAssignments().entrySet()) {
      if (in.finalWorkers().isEmpty()) {
        break;
      }
      if (r.getValue() == null || !in.finalWorkers().contains(r.getValue())) {
        violations.add(new Violation(3, r.getKey() + " ends assigned to "
            + (r.getValue() == null ? "nobody" : "dead worker " + r.getValue())
            + " while workers " + in.finalWorkers() + " are live"));
      }
    }
    createdTwice(in, violations);
    if (!new TreeMap<>(assigned).equals(new TreeMap<>(in.finalAssignments()))
        || !alive.equals(in.finalWorkers())) {
      violations.add(new Violation(0, "etcd's history replayed does not end in etcd's final state: history "
          + assigned.size() + " resources, " + alive + " workers; state " + in.finalAssignments().size()
          + " resources, " + in.finalWorkers() + " workers"));
    }
    // Load is not kept anywhere: it is counted from the assignments, so it cannot drift from
    // them. What can go wrong is the API's answer: it must agree with what etcd holds.
    if (in.apiAssignments() != null) {
      Map<String, Long> etcdLoads = loads(in.finalAssignments());
      Map<String, Long> apiLoads = loads(in.apiAssignments());
      if (!etcdLoads.equals(apiLoads)) {
        violations.add(new Violation(4, "the API disagrees with etcd: it reports resources per worker " + apiLoads
            + " but the assignments in etcd make " + etcdLoads));
      }
    }
    return longest;
  }

  /**
   * Invariant 6: no leader is injected hung, so a replica found stalled (a master's "made no
   * progress" line) or restarted by the liveness probe was a healthy one taken for a hung one.
   */
  private static void noHealthyReplicaTakenForStalled(Input in, List<Violation> violations) {
    if (in.livenessRestarts() > 0) {
      violations.add(new Violation(6, "healthy replica taken for stalled: the liveness probe restarted "
          + in.livenessRestarts() + " replica(s), but no hung leader was injected"));
    }
    for (String line : in.stallReports()) {
      violations.add(new Violation(6, "healthy replica taken for stalled: " + line));
    }
  }

  private static Map<String, Long> loads(Map<String, String> assignments) {
    return assignments.values().stream()
        .map(w -> Objects.requireNonNullElse(w, "(nobody)"))
        .collect(Collectors.groupingBy(w -> w, TreeMap::new, Collectors.counting()));
  }

  /** Invariant 4: two creates of one name acknowledged with nothing that could have deleted it in between. */
  private static void createdTwice(Input in, List<Violation> violations) {
    Map<String, List<ClientOp>> byName = in.ops().stream()
        .collect(Collectors.groupingBy(ClientOp::name, TreeMap::new, Collectors.toList()));
    for (Map.Entry<String, List<ClientOp>> entry : byName.entrySet()) {
      List<ClientOp> acked = entry.getValue().stream()
          .filter(o -> o.kind() == ClientOp.Kind.CREATE && o.acknowledged())
          .sorted(Comparator.comparingLong(ClientOp::invokedMs))
          .toList();
      for (int k = 1; k < acked.size(); k++) {
        ClientOp first = acked.get(k - 1);
        ClientOp second = acked.get(k);
        boolean deletedBetween = entry.getValue().stream().anyMatch(d -> d.kind() == ClientOp.Kind.DELETE
            && (d.acknowledged() || d.indeterminate())
            && d.completedMs() >= first.invokedMs() && d.invokedMs() <= second.completedMs());
        if (!deletedBetween) {
          violations.add(new Violation(4, "created twice: " + entry.getKey() + " was created twice (201 in term "
              + first.term() + " and in term " + second.term() + ") with no delete in between"));
        }
      }
    }
  }

  /** Invariant 5: all resource writes of one revision come from one term, and terms never go back. */
  private static void oneTermPerRevision(List<Event> resourceEvents, List<Violation> violations) {
    Map<Long, Set<Long>> termsAt = new TreeMap<>();
    for (Event e : resourceEvents) {
      if (e.put()) {
        termsAt.computeIfAbsent(e.revision(), r -> new TreeSet<>()).add(TestingElectionHistory.termOf(e.value()));
      }
    }
    long newest = 0;
    long newestAt = 0;
    for (Map.Entry<Long, Set<Long>> at : termsAt.entrySet()) {
      if (at.getValue().size() > 1) {
        violations.add(new Violation(5, "writes of terms " + at.getValue() + " applied at the same revision " + at.getKey()));
      }
      for (long term : at.getValue()) {
        if (term < newest) {
          violations.add(new Violation(5, "term " + term + " wrote at revision " + at.getKey()
              + " after term " + newest + " had written at revision " + newestAt));
        }
      }
      long max = at.getValue().stream().mapToLong(Long::longValue).max().orElse(0);
      if (max > newest) {
        newest = max;
        newestAt = at.getKey();
      }
    }
  }

  private static Put parse(String value) {
    try {
      JsonNode node = Json.MAPPER.readTree(value);
      JsonNode worker = node.path("worker");
      return new Put(worker.isTextual() ? worker.asText() : null, node.path("term").asLong());
    } catch (IOException e) {
      throw new IllegalArgumentException("not a resource value: " + value, e);
    }
  }

  /** Wall time of revisions, from samples of etcd's current revision. */
  static final class RevisionClock {
    private final TreeMap<Long, Long> firstSeen = new TreeMap<>();
    private final TreeMap<Long, Long> lastBefore = new TreeMap<>();

    RevisionClock(List<long[]> samples) {
      for (long[] s : samples) {
        firstSeen.merge(s[0], s[1], Math::min);
        lastBefore.merge(s[0], s[1], Math::max);
      }
    }

    /**
     * An upper bound of the time between two revisions: from the last sample before {@code from}
     * was reached to the first sample that had reached {@code to}.
     */
    long atMostBetween(long from, long to) {
      Map.Entry<Long, Long> before = lastBefore.lowerEntry(from);
      Map.Entry<Long, Long> after = firstSeen.ceilingEntry(to);
      if (before == null || after == null) {
        return 0;
      }
      return Math.max(0, after.getValue() - before.getValue());
    }
  }
}
