package dev.crawler.master;

import dev.crawler.etcd.EtcdUnavailableException;
import dev.crawler.api.Resource;
import dev.crawler.etcd.EtcdUnavailableException;
import dev.crawler.election.Fence;
import dev.crawler.master.leadership.Heartbeat;
import dev.crawler.master.leadership.LeaderWork;
import dev.crawler.election.LeadershipLostException;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's background work: keep every resource on a live worker. Level-triggered: each pass
 * reads all state from etcd and repairs what is off (unassigned resources, resources of workers
 * whose key vanished, whatever a previous leader left half done), so the first pass of a new term
 * is also its recovery. Watches on the workers and resources directories only trigger passes
 * early; a periodic pass covers missed events.
 *
 * <p>The loop beats its {@link Heartbeat} on every turn, after every write, and while it waits for
 * a change, so an idle leader keeps beating and only a hung one (an etcd call that never returns,
 * a deadlock) stops.
 */
public final class Assigner implements LeaderWork {
  private static final Logger log = LoggerFactory.getLogger(Assigner.class);
  private static final Duration RESYNC = Duration.ofSeconds(2);
  private static final Duration RETRY = Duration.ofMillis(200);

  private final ClusterStore store;
  private final Watch watch;

  public Assigner(ClusterStore store, Watch watch) {
    this.store = store;
    this.watch = watch;
  }

  @Override
  public void lead(Fence fence, Heartbeat heartbeat) throws InterruptedException, LeadershipLostException {
    Semaphore changed = new Semaphore(0);
    List<Watch.Watcher> watchers = new ArrayList<>();
    try {
      for (String dir : List.of(store.layout().workersDir(), store.layout().resourcesDir())) {
        watchers.add(
            watch.watch(
                ClusterStore.bytes(dir),
                WatchOption.builder().isPrefix(true).build(),
                Watch.listener(response -> changed.release(), error -> changed.release())));
      }
      while (true) {
        heartbeat.beat();
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        boolean conflict;
        try {
          conflict = reconcile(fence, heartbeat);
        } catch (EtcdUnavailableException e) {
          log.warn("assignment pass failed: {}", e.getMessage());
          conflict = true;
        }
        if (conflict) {
          Thread.sleep(RETRY.toMillis());
          continue;
        }
        awaitChange(changed, heartbeat);
        changed.drainPermits();
      }
    } finally {
      watchers.forEach(Watch.Watcher::close);
    }
  }

  /** Waits for a watch event or the periodic resync, beating at least every heartbeat interval. */
  private static void awaitChange(Semaphore changed, Heartbeat heartbeat) throws InterruptedException {
    long resyncAt = System.nanoTime() + RESYNC.toNanos();
    long slice = Math.min(RESYNC.toNanos(), heartbeat.interval().toNanos());
    for (long left = RESYNC.toNanos(); left > 0; left = resyncAt - System.nanoTime()) {
      boolean woken = changed.tryAcquire(Math.min(left, slice), TimeUnit.NANOSECONDS);
      heartbeat.beat();
      if (woken) {
        return;
      }
    }
  }

  /** One pass; true when a write lost a race (state changed meanwhile) and another pass is due. */
  boolean reconcile(Fence fence, Heartbeat heartbeat) throws InterruptedException, LeadershipLostException {
    ClusterStore.Snapshot snapshot = store.load();
    heartbeat.beat();
    List<Assignment.Move> moves = Assignment.plan(snapshot.resourceList(), snapshot.workers().keySet());
    boolean conflict = false;
    for (Assignment.Move move : moves) {
      ClusterStore.Stored stored = snapshot.resources().get(move.resource());
      Resource updated = stored.resource().withAssignment(move.to(), fence.term());
      // Only from a worker still dead, to a worker still registered as seen: a worker that came
      // back between the read and this write keeps what it holds.
      Fence.Outcome outcome = store.move(fence, updated, stored.modRevision(), move.from(), snapshot);
      heartbeat.beat();
      if (outcome == Fence.Outcome.APPLIED) {
        log.info(
            "assigned {} to {} (was {}, term {})",
            move.resource(),
            move.to() == null ? "nobody (no live worker)" : move.to(),
            move.from() == null ? "unassigned" : move.from(),
            fence.term());
      } else {
        conflict = true;
      }
    }
    return conflict;
  }
}
