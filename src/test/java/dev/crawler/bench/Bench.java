package dev.crawler.bench;

import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingKubeApiServer;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code make bench}: failover, handover, switchover and status latency of our etcd election, side by side
 * with fabric8's Lease election on a real kube-apiserver, and a master replica's footprint ({@link
 * FootprintBench}). Prints a table and writes {@code
 * target/bench/results.json}. {@code BENCH_QUICK=1} runs fewer trials; {@code BENCH_ONLY=a,b}
 * measures only the figures whose path starts with one of the given prefixes.
 */
public final class Bench {
  /** Trials per figure. */
  record Plan(
      int handover,
      int switchover,
      int crashTtl2,
      int crashTtl5,
      int crashFast,
      int stuck,
      int status,
      int peerHandover,
      int peerCrashDefaults,
      int peerCrashEqualTtl) {
    static final Plan FULL = new Plan(20, 50, 10, 10, 20, 10, 50, 20, 10, 10);
    static final Plan QUICK = new Plan(10, 20, 3, 3, 10, 3, 20, 5, 2, 3);
  }

  /** One figure's measurement; failures are reported per figure and the run goes on. */
  private interface Section {
    List<Double> run() throws Exception;
  }

  private static final Path OUT = Path.of("target", "bench");
  /** Handover does not wait for the TTL; 5 s is the production-like setting. */
  private static final int HANDOVER_TTL_SECONDS = 5;
  private static final List<String> API_FIGURES =
      List.of("status_ms", "peer.handover_ms", "peer.handover_equal_ttl_ms",
          "peer.crash_ms.equal_ttl", "peer.crash_ms.defaults");

  private Bench() {}

  public static void main(String[] args) throws Exception {
    boolean quick = "1".equals(System.getenv("BENCH_QUICK"));
    Plan plan = quick ? Plan.QUICK : Plan.FULL;
    Path logs = OUT.resolve("logs");
    Report report = new Report();
    long started = System.nanoTime();

    report.context("date", OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString());
    report.context("machine", machine());
    report.context("quick", quick);
    // Other work on the machine shows up in the tails: record how busy it was.
    report.context("loadavg_start", loadAverage());
    report.context("plan", plan);
    report.context(
        "peer_timings_ms",
        Map.of(
            "defaults", PeerBench.DEFAULTS,
            "equal_ttl", PeerBench.EQUAL_TTL));
    System.out.printf("bench (%s): %s%n", quick ? "quick" : "full", plan);

    try (TestingEtcd etcd = TestingEtcd.startNew();
        Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
      OurBench ours = new OurBench(etcd, client);
      measure(report, "handover_ms",
          () -> ours.measure("handover", HANDOVER_TTL_SECONDS, Signal.SIGTERM, plan.handover()));
      measure(report, "switchover_ms", () -> ours.switchover(HANDOVER_TTL_SECONDS, plan.switchover()));
      // The TTL figures with the dead-leader detectors off: what a crash costs when nobody can prove it.
      measure(report, "crash_ms.ttl2",
          () -> ours.measure("crash-ttl2", 2, Signal.SIGKILL, plan.crashTtl2(), OurBench.DETECTORS_OFF));
      measure(report, "crash_ms.ttl5",
          () -> ours.measure("crash-ttl5", 5, Signal.SIGKILL, plan.crashTtl5(), OurBench.DETECTORS_OFF));
      measure(report, "crash_ms.fast",
          () -> ours.measure("crash-fast", 5, Signal.SIGKILL, plan.crashFast(), OurBench.DETECTORS_ON));
      measure(report, "stuck_ms", () -> new StuckBench(etcd, client).measure(5, plan.stuck()));

      if (wanted("status_ms") || wanted("peer")) {
        try (TestingKubeApiServer api = TestingKubeApiServer.startNew()) {
          api.installCrd();
          measure(report, "status_ms",
              () -> new StatusBench(api, etcd, client).measure(plan.status()));
          PeerBench peer = new PeerBench(api, logs);
          measure(report, "peer.handover_ms",
              () -> peer.measure(PeerBench.DEFAULTS, Signal.SIGTERM, plan.peerHandover()));
          measure(report, "peer.handover_equal_ttl_ms",
              () -> peer.measure(PeerBench.EQUAL_TTL, Signal.SIGTERM, plan.peerHandover()));
          measure(report, "peer.crash_ms.equal_ttl",
              () -> peer.measure(PeerBench.EQUAL_TTL, Signal.SIGKILL, plan.peerCrashEqualTtl()));
          measure(report, "peer.crash_ms.defaults",
              () -> peer.measure(PeerBench.DEFAULTS, Signal.SIGKILL, plan.peerCrashDefaults()));
        } catch (RuntimeException e) {
          e.printStackTrace();
          for (String p : API_FIGURES) {
            if (report.figure(p).isEmpty() && wanted(p)) {
              report.fail(p, "kube-apiserver: " + e);
            }
          }
        }
      }
      WorkerBench workers = new WorkerBench(etcd, client);
      int workerTrials = quick ? 3 : 10;
      measure(report, "workers.pages_per_s", () -> workers.pagesPerSecond(workerTrials));
      measure(report, "workers.peer_bare_loop_pages_per_s", () -> workers.bareLoopPagesPerSecond(workerTrials));
      measure(report, "workers.handoff_ms.sigterm", () -> workers.handoff("TERM", workerTrials));
      measure(report, "workers.handoff_ms.sigkill_ttl2", () -> workers.handoff("KILL", workerTrials));
      if (wanted("footprint")) {
        FootprintBench.section(report, etcd, client, quick, OUT.resolve("footprint"));
      }
    }

    if (wanted("scale")) {
      System.out.println("== scale");
      try {
        Map<String, Object> scale = new ScaleBench(ScaleBench.Plan.of(quick), logs).run();
        report.section("scale", scale, scale.entrySet().stream()
            .map(e -> String.format("scale %-36s %s", e.getKey(), e.getValue())).toList());
      } catch (Exception e) {
        e.printStackTrace();
        report.fail("scale", e.toString());
      }
    }

    report.context("loadavg_end", loadAverage());
    report.context("elapsed_s", Math.round((System.nanoTime() - started) / 1e9));
    System.out.println();
    System.out.print(report.table());
    Path results = OUT.resolve("results.json");
    report.write(results);
    System.out.println("wrote " + results.toAbsolutePath());
    System.exit(report.hasErrors() ? 1 : 0);
  }

  /** Whether BENCH_ONLY (comma-separated path prefixes; empty = all) selects {@code path}. */
  private static boolean wanted(String path) {
    String only = System.getenv().getOrDefault("BENCH_ONLY", "");
    return only.isBlank()
        || Arrays.stream(only.split(",")).anyMatch(p -> path.startsWith(p) || p.startsWith(path));
  }

  private static void measure(Report report, String path, Section section) {
    if (!wanted(path)) {
      return;
    }
    System.out.println("== " + path);
    try {
      report.put(path, Stats.of(section.run()));
    } catch (Exception e) {
      e.printStackTrace();
      report.fail(path, e.toString());
    }
  }

  /** The 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown". */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("java", System.getProperty("java.version"));
    m.put("child_jvm_flags", ChildJvm.JVM_FLAGS);
    return m;
  }
}
