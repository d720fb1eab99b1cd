package dev.crawler.bench;

import dev.crawler.api.KeyLayout;
import dev.crawler.api.MasterPaths;
import dev.crawler.election.Election;
import dev.crawler.election.Candidate;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingMasterProcess;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Ours: three real master processes ({@code dev.crawler.Main master}) on one etcd election,
 * stopped with real signals; "another holds leadership" is seen on an etcd watch of the election
 * prefix (the lowest create revision belongs to another replica), which is etcd's own rule.
 */
final class OurBench {
  private static final List<String> IDS = List.of("m-0", "m-1", "m-2");

  private final TestingEtcd etcd;
  private final Client client;

  OurBench(TestingEtcd etcd, Client client) {
    this.etcd = etcd;
    this.client = client;
  }

  /** The dead-leader detectors on (the default) or off, so crash failover waits for the TTL. */
  static final List<String> DETECTORS_ON = List.of();
  static final List<String> DETECTORS_OFF = List.of("--probe-leader=false", "--revoke-previous-lease=false");

  List<Double> measure(String label, int ttlSeconds, Signal signal, int trials) throws Exception {
    return measure(label, ttlSeconds, signal, trials, DETECTORS_ON);
  }

  List<Double> measure(String label, int ttlSeconds, Signal signal, int trials, List<String> masterArgs)
      throws Exception {
    KeyLayout layout = new KeyLayout("/bench/" + label);
    Map<String, TestingMasterProcess> masters = new HashMap<>();
    try (EtcdElectionWatch watch = new EtcdElectionWatch(client, layout.election())) {
      for (String id : IDS) {
        masters.put(id, start(id, layout, ttlSeconds, masterArgs));
      }
      for (TestingMasterProcess m : masters.values()) {
        m.awaitReady(Duration.ofSeconds(90));
      }
      FailoverTrials.Replicas replicas =
          new FailoverTrials.Replicas() {
            @Override
            public void signal(String id, Signal s) throws Exception {
              ProcessHandle p = ProcessHandle.of(masters.get(id).pid()).orElseThrow();
              // A direct kill(2) rather than forking kill(1): nothing but the signal after time zero.
              if (s == Signal.SIGTERM) {
                p.destroy();
              } else {
                p.destroyForcibly();
              }
            }

            @Override
            public void restart(String id) throws Exception {
              masters.get(id).awaitExit(Duration.ofSeconds(30));
              TestingMasterProcess fresh = start(id, layout, ttlSeconds, masterArgs);
              masters.put(id, fresh);
              // Ready means campaigning (or leading): the replica is a follower again.
              fresh.awaitReady(Duration.ofSeconds(90));
            }
          };
      return FailoverTrials.run(
          "ours " + label + " " + signal,
          watch.timeline(),
          replicas,
          signal,
          trials,
          Duration.ofSeconds(ttlSeconds + 30L));
    } finally {
      for (TestingMasterProcess m : masters.values()) {
        m.close();
      }
    }
  }

  /**
   * Planned switchover to the follower queued last (the others must step behind it): time zero
   * just before {@code POST /api/v1/switchover} goes to the leader, time end when the etcd watch sees
   * the target lead. Each trial starts with all three replicas campaigning and ready again.
   */
  List<Double> switchover(int ttlSeconds, int trials) throws Exception {
    KeyLayout layout = new KeyLayout("/bench/switchover");
    Election election = new Election(client, layout.election());
    Map<String, TestingMasterProcess> masters = new HashMap<>();
    List<Double> samples = new ArrayList<>();
    try (EtcdElectionWatch watch = new EtcdElectionWatch(client, layout.election())) {
      for (String id : IDS) {
        masters.put(id, start(id, layout, ttlSeconds, DETECTORS_ON));
      }
      for (int i = 0; i < trials; i++) {
        List<Candidate> queue = awaitAllCampaigning(election, masters);
        String leader = queue.get(0).id();
        String target = queue.get(queue.size() - 1).id();
        long t0 = System.nanoTime();
        TestingMasterProcess.Response answer =
            masters.get(leader).post(MasterPaths.SWITCHOVER, "{\"candidate\":\"" + target + "\"}");
        HolderTimeline.Change next = watch.timeline().await(t0, target::equals, Duration.ofSeconds(10));
        double ms = (next.nanos() - t0) / 1e6;
        if (answer.status() != 200) {
          throw new IllegalStateException("switchover " + leader + " -> " + target + " answered " + answer);
        }
        samples.add(ms);
        System.out.printf("  switchover trial %2d/%d: %s -> %s in %8.1f ms (answer after %.1f ms)%n",
            i + 1, trials, leader, target, ms, (System.nanoTime() - t0) / 1e6);
      }
      return samples;
    } finally {
      for (TestingMasterProcess m : masters.values()) {
        m.close();
      }
    }
  }

  /** Waits until every replica has a key in the election and answers ready; returns the queue. */
  private static List<Candidate> awaitAllCampaigning(Election election, Map<String, TestingMasterProcess> masters)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      List<Candidate> queue = election.candidates().get(5, TimeUnit.SECONDS);
      boolean allReady = true;
      for (TestingMasterProcess m : masters.values()) {
        allReady &= m.tryGet(MasterPaths.READYZ).map(r -> r.status() == 200).orElse(false);
      }
      if (queue.size() == masters.size() && allReady) {
        return queue;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("replicas did not all campaign within 90 s");
  }

  private TestingMasterProcess start(String id, KeyLayout layout, int ttlSeconds, List<String> masterArgs)
      throws Exception {
    return TestingMasterProcess.start(id, etcd.endpoint(), layout.prefix(), ttlSeconds, masterArgs);
  }
}
