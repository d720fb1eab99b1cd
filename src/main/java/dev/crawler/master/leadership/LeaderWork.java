package dev.crawler.master.leadership;

import dev.crawler.election.Fence;
import dev.crawler.election.LeadershipLostException;

/** What a replica does while it leads. */
@FunctionalInterface
public interface LeaderWork {
  /**
   * Runs on a dedicated thread for one term and returns only when interrupted or when the fence
   * reports leadership lost. Every leader-only write must go through {@code fence}. Must answer an
   * interrupt promptly: stepping down waits for this method to return.
   *
   * <p>Must call {@link Heartbeat#beat()} at least every {@link Heartbeat#interval()}, idle or
   * not: work that goes without a beat for longer than the lease TTL (at least 5 s, {@link
   * LeaderWatchdog#boundFor}) is taken as hung, and the replica steps down for good. A blocking
   * call between two beats must therefore have a timeout well below that.
   */
  void lead(Fence fence, Heartbeat heartbeat) throws InterruptedException, LeadershipLostException;
}
