package dev.crawler.master.leadership;

import java.time.Duration;

/**
 * How leader work shows that its loop still turns. A hung loop (deadlocked, blocked forever on
 * I/O, spinning) stops beating; an idle one must not, so idleness is never taken for a hang.
 */
public interface Heartbeat {
  /** Records progress now. Cheap; call it from the work's own loop. */
  void beat();

  /**
   * The longest the work should go between beats, also while it has nothing to do. A quarter of
   * the {@link LeaderWatchdog}'s bound, so scheduling delays on a busy machine leave a wide margin.
   */
  Duration interval();
}
