package dev.crawler.master;

import dev.crawler.api.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** Pure decisions about which worker gets which resource. */
public final class Assignment {
  private Assignment() {}

  /** Give {@code resource} to {@code to} (null: nobody, because no worker is alive). */
  public record Move(String resource, String from, String to) {}

  /** Resources per live worker; live workers without resources count 0. Resources of dead workers count nowhere. */
  public static Map<String, Integer> loads(Collection<Resource> resources, Set<String> liveWorkers) {
    Map<String, Integer> load = new TreeMap<>();
    liveWorkers.forEach(w -> load.put(w, 0));
    for (Resource r : resources) {
      if (r.worker() != null && load.containsKey(r.worker())) {
        load.merge(r.worker(), 1, Integer::sum);
      }
    }
    return load;
  }

  /** The live worker with the fewest resources; ties go to the smallest id, so every replica decides alike. */
  public static Optional<String> leastLoaded(Map<String, Integer> loads) {
    return loads.entrySet().stream()
        .min(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue)
            .thenComparing(Map.Entry::getKey))
        .map(Map.Entry::getKey);
  }

  /**
   * The moves that leave every resource on a live worker: unassigned resources and those of dead
   * workers go, in name order, each to the then least-loaded live worker. Resources already on a
   * live worker stay where they are. With no live worker, resources of dead workers become
   * unassigned.
   */
  public static List<Move> plan(Collection<Resource> resources, Set<String> liveWorkers) {
    Map<String, Integer> load = loads(resources, liveWorkers);
    List<Resource> homeless =
        resources.stream()
            .filter(r -> r.worker() == null || !liveWorkers.contains(r.worker()))
            .sorted(Comparator.comparing(Resource::name))
            .toList();
    List<Move> moves = new ArrayList<>();
    for (Resource r : homeless) {
      Optional<String> to = leastLoaded(load);
      to.ifPresent(w -> load.merge(w, 1, Integer::sum));
      String target = to.orElse(null);
      if (!Objects.equals(target, r.worker())) {
        moves.add(new Move(r.name(), r.worker(), target));
      }
    }
    return moves;
  }
}
