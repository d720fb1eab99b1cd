package dev.crawler.bench;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import dev.crawler.testing.TestingKubeApiServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The peer: three {@link LeaseCandidate} processes electing through one Lease on the real API
 * server, stopped with real signals; "another holds leadership" is seen on a watch of the Lease's
 * {@code spec.holderIdentity}.
 */
final class PeerBench {
  /** fabric8 / client-go leader election timings. */
  record Timing(String label, long leaseMs, long renewDeadlineMs, long retryPeriodMs) {
    List<String> args() {
      return List.of(
          Long.toString(leaseMs), Long.toString(renewDeadlineMs), Long.toString(retryPeriodMs));
    }
  }

  /** The usual defaults (client-go, controller-runtime, JOSDK): 15 s / 10 s / 2 s. */
  static final Timing DEFAULTS = new Timing("defaults", 15_000, 10_000, 2_000);

  /**
   * Lease duration equal to our TTL (5 s); renew deadline and retry period scaled by the same 1/3:
   * 10 s to 3.3 s, 2 s to 0.67 s (rounded up to 0.7 s).
   */
  static final Timing EQUAL_TTL = new Timing("equal_ttl", 5_000, 3_300, 700);

  static final String NAMESPACE = "bench";
  private static final List<String> IDS = List.of("peer-0", "peer-1", "peer-2");

  private final TestingKubeApiServer api;
  private final Path logDir;

  PeerBench(TestingKubeApiServer api, Path logDir) {
    this.api = api;
    this.logDir = logDir;
    api.ensureNamespace(NAMESPACE);
  }

  List<Double> measure(Timing timing, Signal signal, int trials) throws Exception {
    String lease = "peer-" + timing.label().replace('_', '-') + "-" + signal.name().toLowerCase();
    HolderTimeline timeline = new HolderTimeline();
    Map<String, ChildJvm> candidates = new HashMap<>();
    var leases = api.client().leases().inNamespace(NAMESPACE).withField("metadata.name", lease);
    // List, then watch from the list's resourceVersion: a watch from "" or "0" asks for bookmarks
    // at once, which this API server refuses on etcd 3.4 ("RequestWatchProgress is disabled").
    var initial = leases.list();
    initial.getItems().forEach(l -> timeline.observe(holder(l)));
    try (Watch ignored =
        leases.watch(
                new ListOptionsBuilder()
                    .withResourceVersion(initial.getMetadata().getResourceVersion())
                    .build(),
                new Watcher<Lease>() {
                  @Override
                  public void eventReceived(Action action, Lease l) {
                    timeline.observe(action == Action.DELETED ? null : holder(l));
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      for (String id : IDS) {
        candidates.put(id, startCandidate(lease, id, timing));
      }
      for (ChildJvm c : candidates.values()) {
        c.awaitLine("OBSERVED", Duration.ofSeconds(60));
      }
      FailoverTrials.Replicas replicas =
          new FailoverTrials.Replicas() {
            @Override
            public void signal(String id, Signal s) {
              ChildJvm c = candidates.get(id);
              if (s == Signal.SIGTERM) {
                c.sigterm();
              } else {
                c.sigkill();
              }
            }

            @Override
            public void restart(String id) throws Exception {
              ChildJvm old = candidates.get(id);
              if (!old.awaitExit(Duration.ofSeconds(30))) {
                throw new IllegalStateException(id + " did not exit after its signal");
              }
              ChildJvm fresh = startCandidate(lease, id, timing);
              candidates.put(id, fresh);
              fresh.awaitLine("OBSERVED", Duration.ofSeconds(60));
            }
          };
      Duration timeout =
          Duration.ofMillis(timing.leaseMs() + 3 * timing.retryPeriodMs()).plusSeconds(30);
      return FailoverTrials.run(
          "peer " + timing.label() + " " + signal, timeline, replicas, signal, trials, timeout);
    } finally {
      for (ChildJvm c : candidates.values()) {
        c.close();
      }
    }
  }

  private static String holder(Lease l) {
    return l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }

  private ChildJvm startCandidate(String lease, String id, Timing timing) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of(NAMESPACE, lease, id));
    args.addAll(timing.args());
    return ChildJvm.start(
        lease + "-" + id,
        logDir,
        Map.of("KUBECONFIG", api.kubeconfigFile().toString()),
        LeaseCandidate.class.getName(),
        args);
  }
}
