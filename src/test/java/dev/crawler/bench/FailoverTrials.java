package dev.crawler.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The one measurement used for ours and for the peer: time zero just before the signal goes to the
 * current leader's process, time end when the watcher sees another candidate hold leadership.
 * After each trial the stopped replica is started again and waits as a follower, so every trial
 * starts from the same shape (all replicas up, one leading) without starting the others again.
 */
final class FailoverTrials {
  /** The replicas under test, by the id the timeline reports for them. */
  interface Replicas {
    void signal(String id, Signal signal) throws Exception;

    /** Waits for the stopped process to exit, starts it again and waits until it follows. */
    void restart(String id) throws Exception;
  }

  private static final Duration SETTLE = Duration.ofMillis(300);

  private FailoverTrials() {}

  static List<Double> run(
      String label,
      HolderTimeline timeline,
      Replicas replicas,
      Signal signal,
      int trials,
      Duration failoverTimeout)
      throws Exception {
    List<Double> samples = new ArrayList<>();
    for (int i = 0; i < trials; i++) {
      String victim = timeline.awaitAnyHolder(Duration.ofSeconds(60));
      java.time.Instant wallZero = java.time.Instant.now();
      long t0 = System.nanoTime();
      replicas.signal(victim, signal);
      HolderTimeline.Change next =
          timeline.await(t0, HolderTimeline.anotherThan(victim), failoverTimeout);
      double ms = (next.nanos() - t0) / 1e6;
      samples.add(ms);
      // When the old holder's release (holder cleared) was seen, if it was: splits the figure
      // into "stopping and releasing" and "a follower noticing".
      String released =
          timeline.changesBetween(t0, next.nanos()).stream()
              .filter(c -> c.holder() == null)
              .findFirst()
              .map(c -> String.format(" (released at %.1f ms)", (c.nanos() - t0) / 1e6))
              .orElse("");
      System.out.printf(
          "  %-22s trial %2d/%d: %s -> %s in %8.1f ms%s (signal at %s, for matching process logs)%n",
          label, i + 1, trials, victim, next.holder(), ms, released, wallZero);
      replicas.restart(victim);
      Thread.sleep(SETTLE.toMillis());
    }
    return samples;
  }
}
