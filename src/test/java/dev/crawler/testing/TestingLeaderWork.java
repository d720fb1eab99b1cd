package dev.crawler.testing;

import dev.crawler.master.leadership.Heartbeat;
import dev.crawler.master.leadership.LeaderWork;
import java.util.function.Consumer;

/** Leader work for election tests: nothing to do, but alive (it beats until interrupted). */
public final class TestingLeaderWork {
  private TestingLeaderWork() {}

  /** Idle leader work. */
  public static LeaderWork idle() {
    return (fence, heartbeat) -> idleUntilInterrupted(heartbeat);
  }

  /** Idle leader work that first hands its term to {@code started}. */
  public static LeaderWork idle(Consumer<Long> started) {
    return (fence, heartbeat) -> {
      started.accept(fence.term());
      idleUntilInterrupted(heartbeat);
    };
  }

  /** Beats every heartbeat interval until interrupted, as an idle work loop does. */
  public static void idleUntilInterrupted(Heartbeat heartbeat) throws InterruptedException {
    while (true) {
      heartbeat.beat();
      Thread.sleep(heartbeat.interval().toMillis());
    }
  }
}
