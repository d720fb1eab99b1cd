package dev.crawler.bench;

import dev.crawler.election.CandidateInfo;
import dev.crawler.master.leadership.LeaderWork;
import dev.crawler.master.leadership.LeadershipLoop;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingLeaderWork;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A stuck leader: two in-process candidates ({@link LeadershipLoop}, as a master replica runs it)
 * on one etcd election; the leader's work beats its heartbeat every 10 ms, then stops beating and
 * blocks, ignoring interrupts, as hung work does. Time zero is its last beat; time end is when the
 * etcd watch sees the other candidate lead. Expected: the watchdog's bound (the TTL, at least 5 s)
 * plus up to one check (500 ms) plus the resign and the follower's campaign (milliseconds).
 */
final class StuckBench {
  private final TestingEtcd etcd;
  private final Client watchClient;

  StuckBench(TestingEtcd etcd, Client watchClient) {
    this.etcd = etcd;
    this.watchClient = watchClient;
  }

  List<Double> measure(int ttlSeconds, int trials) throws Exception {
    List<Double> samples = new ArrayList<>();
    for (int i = 0; i < trials; i++) {
      String election = "/bench/stuck-" + i + "/election";
      CountDownLatch hang = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Long> lastBeat = new CompletableFuture<>();
      LeaderWork hangsOnRequest = (fence, heartbeat) -> {
        while (!hang.await(10, TimeUnit.MILLISECONDS)) {
          heartbeat.beat();
        }
        heartbeat.beat();
        lastBeat.complete(System.nanoTime());
        while (release.getCount() > 0) {
          try {
            release.await();
          } catch (InterruptedException e) {
            // hung work does not answer interrupts
          }
        }
      };
      try (EtcdElectionWatch watch = new EtcdElectionWatch(watchClient, election);
          Client a = Client.builder().endpoints(etcd.endpoint()).build();
          Client b = Client.builder().endpoints(etcd.endpoint()).build();
          LeadershipLoop stuck = new LeadershipLoop(a, election, new CandidateInfo("stuck", "127.0.0.1:1"),
              Duration.ofSeconds(ttlSeconds), hangsOnRequest);
          LeadershipLoop follower = new LeadershipLoop(b, election, new CandidateInfo("follower", "127.0.0.1:2"),
              Duration.ofSeconds(ttlSeconds), TestingLeaderWork.idle())) {
        stuck.start();
        if (!"stuck".equals(watch.timeline().awaitAnyHolder(Duration.ofSeconds(30)))) {
          throw new IllegalStateException("the first candidate did not lead");
        }
        follower.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!follower.isReady()) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the follower did not become ready");
          }
          Thread.sleep(10);
        }
        hang.countDown();
        long t0 = lastBeat.get(10, TimeUnit.SECONDS);
        HolderTimeline.Change next =
            watch.timeline().await(t0, HolderTimeline.anotherThan("stuck"), Duration.ofSeconds(ttlSeconds + 30L));
        double ms = (next.nanos() - t0) / 1e6;
        samples.add(ms);
        System.out.printf("  stuck trial %2d/%d: follower leads %8.1f ms after the last beat (%s)%n",
            i + 1, trials, ms, stuck.stall().map(s -> "stalled after " + s.stuckFor().toMillis() + " ms").orElse("no stall"));
      } finally {
        release.countDown();
      }
    }
    return samples;
  }
}
