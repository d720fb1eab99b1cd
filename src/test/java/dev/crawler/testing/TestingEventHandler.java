package dev.crawler.testing;

import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.EventHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Records every event an event source hands to JOSDK, with {@link System#nanoTime()} at the call
 * and whatever {@code snapshot} returns at that moment (e.g. the source's current observation).
 */
public final class TestingEventHandler<S> implements EventHandler {
  public record Call<S>(Event event, long nanos, S snapshot) {}

  private final Function<Event, S> snapshot;
  private final List<Call<S>> calls = new ArrayList<>();

  public TestingEventHandler(Function<Event, S> snapshot) {
    this.snapshot = snapshot;
  }

  @Override
  public synchronized void handleEvent(Event event) {
    calls.add(new Call<>(event, System.nanoTime(), snapshot.apply(event)));
  }

  public synchronized List<Call<S>> calls() {
    return List.copyOf(calls);
  }

  public synchronized int count() {
    return calls.size();
  }

  public synchronized Call<S> last() {
    return calls.isEmpty() ? null : calls.get(calls.size() - 1);
  }
}
