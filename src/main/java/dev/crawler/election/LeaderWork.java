package dev.crawler.election;

/** What a replica does while it leads. */
@FunctionalInterface
public interface LeaderWork {
  /**
   * Runs on a dedicated thread for one term and returns only when interrupted or when the fence
   * reports leadership lost. Every leader-only write must go through {@code fence}. Must answer an
   * interrupt promptly: stepping down waits for this method to return.
   */
  void lead(Fence fence) throws InterruptedException, LeadershipLostException;
}
