package dev.crawler.support;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Daemon threads for background work (keep-alives, watches, HTTP handlers): they must never keep
 * a process alive whose main work has ended; shutdown is ordered by {@code close()} methods.
 */
public final class Threads {
  private Threads() {}

  /** Daemon threads named {@code <prefix>-1}, {@code <prefix>-2}, … */
  public static ThreadFactory numberedDaemons(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return daemon(() -> prefix + "-" + n.incrementAndGet());
  }

  private static ThreadFactory daemon(Supplier<String> names) {
    return r -> {
      Thread t = new Thread(r, names.get());
      t.setDaemon(true);
      return t;
    };
  }

  /** One daemon thread that runs tasks in order, delayed or not. */
  public static ScheduledExecutorService singleScheduler(String name) {
    return Executors.newSingleThreadScheduledExecutor(daemon(() -> name));
  }
}
