package dev.crawler.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Who holds leadership over time, as one watcher saw it: each change with the {@link
 * System#nanoTime()} at which the watch event arrived. Holder {@code null} means nobody holds it.
 */
final class HolderTimeline {
  record Change(long nanos, String holder) {}

  private final List<Change> changes = new ArrayList<>();

  /** Records {@code holder} unless it is the current one. */
  synchronized void observe(String holder) {
    observe(holder, System.nanoTime());
  }

  /** Records {@code holder}, seen at {@code nanos}, unless it is the current one. */
  synchronized void observe(String holder, long nanos) {
    String h = holder == null || holder.isEmpty() ? null : holder;
    if (!changes.isEmpty() && Objects.equals(changes.get(changes.size() - 1).holder(), h)) {
      return;
    }
    changes.add(new Change(nanos, h));
    notifyAll();
  }

  synchronized Optional<String> current() {
    return changes.isEmpty()
        ? Optional.empty()
        : Optional.ofNullable(changes.get(changes.size() - 1).holder());
  }

  /** The first change at or after {@code sinceNanos} whose holder matches. */
  synchronized Change await(long sinceNanos, Predicate<String> holder, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int i = 0;
    while (true) {
      for (; i < changes.size(); i++) {
        Change c = changes.get(i);
        if (c.nanos() >= sinceNanos && holder.test(c.holder())) {
          return c;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException("no matching holder within " + timeout + "; changes: " + changes);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Changes seen in [fromNanos, toNanos). */
  synchronized List<Change> changesBetween(long fromNanos, long toNanos) {
    return changes.stream().filter(c -> c.nanos() >= fromNanos && c.nanos() < toNanos).toList();
  }

  /** Waits until someone holds leadership and returns who. */
  synchronized String awaitAnyHolder(Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (current().isEmpty()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException("nobody took leadership within " + timeout + "; changes: " + changes);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return current().get();
  }

  static Predicate<String> anotherThan(String previous) {
    return h -> h != null && !h.equals(previous);
  }
}
