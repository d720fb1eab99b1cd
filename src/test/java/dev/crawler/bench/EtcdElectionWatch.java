package dev.crawler.bench;

import dev.crawler.etcd.Backoff;
import dev.crawler.election.Election;
import dev.crawler.election.ElectionState;
import dev.crawler.election.Candidate;
import dev.crawler.election.Observation;
import dev.crawler.support.Threads;
import io.etcd.jetcd.Client;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Follows an etcd election as etcd decides it, through {@link Election#observe}. Each change of
 * its leader (its replica id, or the raw value for foreign candidates) goes into a {@link
 * HolderTimeline}, stamped when the watch event arrived.
 */
final class EtcdElectionWatch implements AutoCloseable {
  private final HolderTimeline timeline = new HolderTimeline();
  private final ScheduledExecutorService thread = Threads.singleScheduler("bench-election-watch");
  private final Observation observation;

  EtcdElectionWatch(Client client, String election) throws Exception {
    observation =
        new Election(client, election)
            .observe(
                new Observation.Options(election, Clock.systemUTC(), Backoff.DEFAULT, Duration.ofSeconds(10),
                    Duration.ofSeconds(10)),
                thread,
                this::record);
    observation.start();
    // As before: the constructor returns once the first state is known.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (observation.current() == null && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
  }

  HolderTimeline timeline() {
    return timeline;
  }

  private void record(ElectionState state) {
    if (state.etcdReachable()) {
      timeline.observe(state.leader().map(Candidate::id).orElse(null), state.seenAtNanos());
    }
  }

  @Override
  public void close() {
    observation.close();
    thread.shutdown();
  }
}
