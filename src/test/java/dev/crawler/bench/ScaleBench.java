package dev.crawler.bench;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.election.CandidateInfo;
import dev.crawler.testing.TestingCrawlerMasters;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingOperatorProcess;
import dev.crawler.testing.TestingPrometheusText;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.support.CloseableClient;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Operator scale: one operator process (its own JVM, with the flags and memory limit its Deployment
 * gives it) against a real kube-apiserver and one real etcd, with many CrawlerMasters whose
 * elections all live in that etcd. The StatefulSets run no pods.
 *
 * <p>The candidates are light: two per election, in this JVM. Candidate slot 0 of every election
 * uses one jetcd client and one lease, slot 1 another client and lease (keys of different elections
 * may share a lease; the two keys of one election may not). A leader change is a resign of the
 * leading key: the waiting candidate's campaign completes, and the resigned one campaigns again to
 * wait behind it. Changes go round the clusters at a fixed rate.
 *
 * <p>Status propagation runs from just before the resign request (etcd deletes the leader key
 * while answering it) to the moment a watch on the CrawlerMasters sees {@code status.leader} name
 * the new leader.
 */
final class ScaleBench {
  static final String NAMESPACE = "bench-scale";
  private static final String PREFIX = "/crawler/" + NAMESPACE + "/";
  private static final long CANDIDATE_LEASE_TTL_SECONDS = 10;
  /**
   * kube-api-test's service range (10.0.0.0/24, a flag it puts after ours) holds fewer client
   * Services than the CRs need: a second ServiceCIDR adds room, which kube-apiserver 1.32 offers
   * behind a beta gate. The addresses exist only as API objects; nothing routes them.
   */
  private static final Map<String, String> API_SERVER_FLAGS = Map.of(
      "--feature-gates", "MultiCIDRServiceAllocator=true",
      "--runtime-config", "networking.k8s.io/v1beta1=true");
  private static final String SERVICE_CIDR = """
      apiVersion: networking.k8s.io/v1beta1
      kind: ServiceCIDR
      metadata:
        name: bench-scale
      spec:
        cidrs: ["10.1.0.0/16"]
      """;
  /** A cluster is not changed again this soon, so its resigned candidate is back in the queue. */
  private static final long MIN_NANOS_BETWEEN_CHANGES_OF_ONE_CLUSTER = TimeUnit.SECONDS.toNanos(2);

  /** How many CrawlerMasters, how many leader changes per second, for how long. */
  record Plan(int crs, int changesPerSecond, Duration steady) {
    static final Plan FULL = new Plan(1000, 20, Duration.ofSeconds(60));
    static final Plan QUICK = new Plan(200, 20, Duration.ofSeconds(20));

    /** FULL or QUICK; {@code BENCH_SCALE_CRS} overrides the number of CrawlerMasters (e.g. to try 2000). */
    static Plan of(boolean quick) {
      Plan p = quick ? QUICK : FULL;
      String crs = System.getenv("BENCH_SCALE_CRS");
      return crs == null || crs.isBlank() ? p : new Plan(Integer.parseInt(crs.trim()), p.changesPerSecond(), p.steady());
    }
  }

  /** One CrawlerMaster's election and its two candidates. */
  private static final class Cluster {
    final String name;
    final ByteSequence election;
    final ByteSequence[] values = new ByteSequence[2];
    final LeaderKey[] keys = new LeaderKey[2];
    volatile int leader = -1;
    volatile boolean changing;
    volatile long lastChangeNanos;

    Cluster(String name, String election) {
      this.name = name;
      this.election = ByteSequence.from(election, StandardCharsets.UTF_8);
      for (int slot = 0; slot < 2; slot++) {
        values[slot] = ByteSequence.from(new CandidateInfo(pod(slot), pod(slot) + ".local:8080").toJson());
      }
    }

    String pod(int slot) {
      return name + "-" + slot;
    }
  }

  private record Pending(String leader, long sinceNanos) {}

  private final Plan plan;
  private final Path logs;
  private final Client[] candidates = new Client[2];
  private final long[] leases = new long[2];
  private final List<CloseableClient> keepAlives = new ArrayList<>();
  private final List<Cluster> clusters = new ArrayList<>();
  /** status.leader of each CrawlerMaster as the watch last saw it. */
  private final Map<String, String> shown = new ConcurrentHashMap<>();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final List<Double> samples = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger changeFailures = new AtomicInteger();

  ScaleBench(Plan plan, Path logs) {
    this.plan = plan;
    this.logs = logs;
  }

  /** Runs the whole measurement and returns the {@code scale} object of results.json. */
  Map<String, Object> run() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    long started = System.nanoTime();
    out.put("crs", plan.crs());
    out.put("loadavg_start", Bench.loadAverage());
    List<String> jvmFlags = new ArrayList<>(operatorJvmFlags());
    boolean nmt = "1".equals(System.getenv("BENCH_SCALE_NMT"));
    if (nmt) {
      // Where the resident memory beyond the heap goes (costs a little CPU and memory itself).
      jvmFlags.add(0, "-XX:NativeMemoryTracking=summary");
    }
    out.put("operator_jvm_flags", jvmFlags);
    System.out.printf("scale: %d CrawlerMasters, %d leader changes/s for %d s; operator JVM %s%n",
        plan.crs(), plan.changesPerSecond(), plan.steady().toSeconds(), jvmFlags);
    // A killed harness (timeout, Ctrl-C) runs no finally blocks: shutdown hooks stop the processes it
    // started anyway. After a normal finish they are removed, so a later section does not keep them.
    List<Thread> hooks = new ArrayList<>();
    try (TestingEtcd etcd = TestingEtcd.startNew();
        TestingKubeApiServer api = TestingKubeApiServer.startNew(API_SERVER_FLAGS)) {
      hooks.add(cleanupOnKill("scale-bench-cleanup", etcd, api));
      api.kubectlWithInput(SERVICE_CIDR, "apply", "-f", "-").assertSuccess();
      api.installCrd();
      api.ensureNamespace(NAMESPACE);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
      Watch watch = null;
      TestingOperatorProcess operator = null;
      try {
        startCandidates(etcd);
        createCrawlerMasters(api, etcd, pool);
        electLeaders(etcd);
        watch = watchStatus(api);
        double etcdWatchersBefore = etcdMetric(etcd, "etcd_debugging_mvcc_watcher_total");
        double etcdStreamsBefore = etcdMetric(etcd, "etcd_debugging_mvcc_watch_stream_total");

        // Cold start: every election has a leader, no CrawlerMaster has a status, no StatefulSet exists.
        long t0 = System.nanoTime();
        operator = TestingOperatorProcess.start(
            "scale-operator", api.kubeconfigFile(), NAMESPACE, NAMESPACE, jvmFlags);
        hooks.add(cleanupOnKill("scale-operator-cleanup", operator));
        long pid = operator.pid();
        System.out.printf("scale: operator pid %d, log %s%n", pid, operator.logFile());
        awaitAllShown(operator, Duration.ofMinutes(5));
        long coldStartNanos = System.nanoTime() - t0;
        out.put("cold_start_ms", Math.round(coldStartNanos / 1e6));
        out.put("cold_start_cpu_s", round1(ProcessFootprint.cpuSeconds(pid)));
        System.out.printf("scale: cold start: all %d statuses right after %d ms%n",
            plan.crs(), Math.round(coldStartNanos / 1e6));
        // Let the cold start's tail (events, informer backlog) settle before the steady phase.
        Thread.sleep(3000);

        if ("1".equals(System.getenv("BENCH_SCALE_JFR"))) {
          // Where the operator's CPU goes in the steady phase, for a look with `jfr print`.
          ProcessFootprint.jcmd(pid, "JFR.start", "name=scale", "filename=" + logs.toAbsolutePath().resolve("scale-operator.jfr"));
        }
        TestingPrometheusText opBefore = operatorMetrics(operator);
        TestingPrometheusText apiBefore = apiMetrics(api);
        double cpuBefore = ProcessFootprint.cpuSeconds(pid);
        AtomicInteger issued = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / plan.changesPerSecond();
        long steadyStart = System.nanoTime();
        ticker.scheduleAtFixedRate(() -> {
          for (int tries = 0; tries < clusters.size(); tries++) {
            Cluster c = clusters.get(Math.floorMod(next.getAndIncrement(), clusters.size()));
            if (change(c)) {
              issued.incrementAndGet();
              return;
            }
          }
        }, 0, periodNanos, TimeUnit.NANOSECONDS);
        Thread.sleep(plan.steady().toMillis());
        ticker.shutdown();
        ticker.awaitTermination(10, TimeUnit.SECONDS);
        double steadySeconds = (System.nanoTime() - steadyStart) / 1e9;
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!pending.isEmpty() && System.nanoTime() < drainDeadline) {
          Thread.sleep(50);
        }
        double cpuSteady = ProcessFootprint.cpuSeconds(pid) - cpuBefore;
        if ("1".equals(System.getenv("BENCH_SCALE_JFR"))) {
          ProcessFootprint.jcmd(pid, "JFR.stop", "name=scale");
        }
        TestingPrometheusText opAfter = operatorMetrics(operator);
        TestingPrometheusText apiAfter = apiMetrics(api);
        int changes = issued.get();

        out.put("changes", changes);
        out.put("changes_per_s", round1(changes / steadySeconds));
        out.put("steady_s", round1(steadySeconds));
        out.put("changes_unseen", pending.size());
        out.put("change_failures", changeFailures.get());
        Stats status = Stats.of(new ArrayList<>(samples));
        out.put("status_ms", status.toJson());
        double reconciles = delta(opBefore, opAfter, "crawler_operator_reconciles_total", Map.of());
        out.put("reconciles_per_change", round2(reconciles / changes));
        out.put("status_patches_per_change",
            round2(delta(opBefore, opAfter, "crawler_operator_reconciles_total", Map.of("result", "status_patched")) / changes));
        out.put("failed_reconciles",
            delta(opBefore, opAfter, "crawler_operator_reconciles_total", Map.of("result", "failed")));
        double apiRequests = delta(apiBefore, apiAfter, "apiserver_request_total", Map.of());
        out.put("apiserver_requests_per_change", round2(apiRequests / changes));
        out.put("apiserver_requests_by_verb_resource", byVerbAndResource(apiBefore, apiAfter));
        out.put("cpu_s", round1(cpuSteady));
        out.put("cpu_ms_per_change", round1(cpuSteady * 1000 / changes));
        out.put("jetcd_clients", opAfter.value("crawler_operator_etcd_clients").orElse(-1.0).intValue());
        out.put("election_watches", opAfter.value("crawler_operator_election_watches").orElse(-1.0).intValue());
        out.put("etcd_watches", (long) (etcdMetric(etcd, "etcd_debugging_mvcc_watcher_total") - etcdWatchersBefore));
        out.put("etcd_watch_streams",
            (long) (etcdMetric(etcd, "etcd_debugging_mvcc_watch_stream_total") - etcdStreamsBefore));
        out.put("operator_threads", ProcessFootprint.threads(pid));
        if (nmt) {
          Files.writeString(logs.resolve("scale-operator-nmt.txt"), ProcessFootprint.jcmd(pid, "VM.native_memory", "summary"));
        }
        double rss = ProcessFootprint.rssMiB(pid);
        double heap = ProcessFootprint.heapAfterGcMiB(pid);
        out.put("operator_rss_mib", round1(rss));
        out.put("operator_heap_after_gc_mib", round1(heap));

        Map<String, Object> targets = new LinkedHashMap<>();
        targets.put("scale_status_p99_below_1s",
            target(status.p99(), 1000, pending.isEmpty() && changeFailures.get() == 0));
        targets.put("scale_operator_rss_below_512mib", target(rss, 512, true));
        targets.put("scale_operator_heap_after_gc_below_256mib", target(heap, 256, true));
        out.put("targets", targets);
        System.out.printf("scale: %d changes in %.1f s; status p50 %.1f p99 %.1f max %.1f ms; unseen %d;"
                + " reconciles/change %.2f; API requests/change %.2f; RSS %.0f MiB, heap after GC %.0f MiB%n",
            changes, steadySeconds, status.p50(), status.p99(), status.max(), pending.size(),
            reconciles / changes, apiRequests / changes, rss, heap);

        // Restart: the operator stops, every cluster's leader changes while it is down, a new
        // operator process starts with the StatefulSets and Services in place and every status stale.
        Files.createDirectories(logs);
        Files.writeString(logs.resolve("scale-operator-first.log"), operator.log());
        operator.close();
        try {
          changeAllWhileDown();
          long t2 = System.nanoTime();
          operator = TestingOperatorProcess.start(
              "scale-operator-2", api.kubeconfigFile(), NAMESPACE, NAMESPACE, jvmFlags);
          hooks.add(cleanupOnKill("scale-operator-cleanup", operator));
          awaitAllShown(operator, Duration.ofMinutes(3));
          out.put("restart_ms", Math.round((System.nanoTime() - t2) / 1e6));
          out.put("restart_cpu_s", round1(ProcessFootprint.cpuSeconds(operator.pid())));
          System.out.printf("scale: restart: all %d statuses right after %d ms%n",
              clusters.size(), Math.round((System.nanoTime() - t2) / 1e6));
        } catch (Exception e) {
          // The steady-phase figures stand on their own.
          e.printStackTrace();
          out.put("restart_error", e.toString());
        }
      } finally {
        ticker.shutdownNow();
        pool.shutdownNow();
        if (watch != null) {
          watch.close();
        }
        if (operator != null) {
          Files.createDirectories(logs);
          Files.writeString(logs.resolve("scale-operator.log"), operator.log());
          operator.close();
        }
        stopCandidates();
      }
    } finally {
      hooks.forEach(ScaleBench::removeCleanup);
    }
    out.put("loadavg_end", Bench.loadAverage());
    out.put("elapsed_s", Math.round((System.nanoTime() - started) / 1e9));
    return out;
  }

  /**
   * The JVM flags of the operator's container: the image's flags for the operator
   * (image/operator.jvm.options, which the entrypoint passes to java), then {@code -XX:MaxRAM} at
   * deploy/operator.yaml's memory limit, which is what the JVM sizes its heap from inside the
   * container.
   */
  static List<String> operatorJvmFlags() throws IOException {
    Path root = TestingKubeApiServer.projectDir();
    Deployment deployment;
    try (InputStream in = Files.newInputStream(root.resolve("deploy/operator.yaml"))) {
      deployment = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(in, Deployment.class);
    }
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    List<String> flags = new ArrayList<>();
    Files.readAllLines(root.resolve("image/operator.jvm.options")).stream().map(String::trim)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .forEach(flags::add);
    Quantity limit = container.getResources() == null || container.getResources().getLimits() == null
        ? null : container.getResources().getLimits().get("memory");
    if (limit != null) {
      flags.add("-XX:MaxRAM=" + Quantity.getAmountInBytes(limit).longValueExact());
    }
    return flags;
  }

  private void startCandidates(TestingEtcd etcd) throws Exception {
    for (int slot = 0; slot < 2; slot++) {
      candidates[slot] = Client.builder().endpoints(etcd.endpoint()).build();
      leases[slot] = candidates[slot].getLeaseClient().grant(CANDIDATE_LEASE_TTL_SECONDS).get(10, TimeUnit.SECONDS).getID();
      keepAlives.add(candidates[slot].getLeaseClient().keepAlive(leases[slot], new StreamObserver<LeaseKeepAliveResponse>() {
        @Override
        public void onNext(LeaseKeepAliveResponse r) {}

        @Override
        public void onError(Throwable t) {
          System.err.println("scale: candidate lease keep-alive failed: " + t);
        }

        @Override
        public void onCompleted() {}
      }));
    }
  }

  private void stopCandidates() {
    keepAlives.forEach(CloseableClient::close);
    for (int slot = 0; slot < 2; slot++) {
      if (candidates[slot] != null) {
        try {
          candidates[slot].getLeaseClient().revoke(leases[slot]).get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // etcd already gone
        }
        candidates[slot].close();
      }
    }
  }

  private void createCrawlerMasters(TestingKubeApiServer api, TestingEtcd etcd, ExecutorService pool) throws Exception {
    long t0 = System.nanoTime();
    List<CompletableFuture<Void>> created = new ArrayList<>();
    for (int i = 0; i < plan.crs(); i++) {
      CrawlerMaster cm = TestingCrawlerMasters.crawlerMaster(NAMESPACE, String.format("s%04d", i), etcd.endpoint());
      clusters.add(new Cluster(cm.getMetadata().getName(), cm.keyLayout().election()));
      created.add(CompletableFuture.runAsync(() -> api.client().resource(cm).create(), pool));
    }
    CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    System.out.printf("scale: created %d CrawlerMasters in %d ms%n", plan.crs(), (System.nanoTime() - t0) / 1_000_000);
  }

  /** Slot 0 of every election leads, slot 1 waits behind it; returns once etcd holds both keys of each. */
  private void electLeaders(TestingEtcd etcd) throws Exception {
    List<CompletableFuture<Void>> won = new ArrayList<>();
    for (Cluster c : clusters) {
      won.add(campaign(c, 0));
    }
    CompletableFuture.allOf(won.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
    clusters.forEach(c -> campaign(c, 1));
    ByteSequence prefix = ByteSequence.from(PREFIX, StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (true) {
      long keys = candidates[0].getKVClient()
          .get(prefix, GetOption.builder().isPrefix(true).withCountOnly(true).build())
          .get(10, TimeUnit.SECONDS).getCount();
      if (keys == 2L * clusters.size()) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + keys + " of " + 2 * clusters.size() + " candidate keys in etcd");
      }
      Thread.sleep(100);
    }
    System.out.printf("scale: %d elections, each with a leader and a waiting candidate%n", clusters.size());
  }

  /**
   * Moves every cluster's leadership once, 100 clusters a second, while no operator runs; then
   * takes each cluster's leader from etcd, which is what the restarted operator must show.
   */
  private void changeAllWhileDown() throws Exception {
    long t0 = System.nanoTime();
    for (Cluster c : clusters) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      c.lastChangeNanos = 0;
      while (!change(c)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(c.name + ": a leader change did not finish within 30 s");
        }
        Thread.sleep(5);
      }
      Thread.sleep(10);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (clusters.stream().anyMatch(c -> c.changing) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    for (Cluster c : clusters) {
      ByteSequence value = candidates[0].getElectionClient().leader(c.election).get(10, TimeUnit.SECONDS).getKv().getValue();
      c.leader = value.equals(c.values[0]) ? 0 : value.equals(c.values[1]) ? 1 : -1;
      if (c.leader < 0) {
        throw new IllegalStateException(c.name + ": etcd names an unknown leader " + value);
      }
    }
    pending.clear();
    System.out.printf("scale: restart: %d leaders changed while no operator ran (%d ms)%n",
        clusters.size(), (System.nanoTime() - t0) / 1_000_000);
  }

  /** Campaigns slot {@code slot} of {@code c}; completes when it leads. */
  private CompletableFuture<Void> campaign(Cluster c, int slot) {
    return candidates[slot].getElectionClient()
        .campaign(c.election, leases[slot], c.values[slot])
        .thenAccept(r -> {
          c.keys[slot] = r.getLeader();
          c.leader = slot;
          c.changing = false;
        });
  }

  /** Starts a leader change of {@code c} unless one is under way or was made just now. */
  private boolean change(Cluster c) {
    long now = System.nanoTime();
    if (c.changing || c.leader < 0 || now - c.lastChangeNanos < MIN_NANOS_BETWEEN_CHANGES_OF_ONE_CLUSTER) {
      return false;
    }
    int from = c.leader;
    int to = 1 - from;
    c.changing = true;
    c.lastChangeNanos = now;
    pending.put(c.name, new Pending(c.pod(to), now));
    candidates[from].getElectionClient().resign(c.keys[from]).whenComplete((r, error) -> {
      if (error != null) {
        changeFailures.incrementAndGet();
        pending.remove(c.name);
        System.err.println("scale: resign in " + c.name + " failed: " + error);
        return;
      }
      // Back into the queue behind the new leader, for a later change.
      campaign(c, from);
    });
    return true;
  }

  private Watch watchStatus(TestingKubeApiServer api) {
    var crs = api.client().resources(CrawlerMaster.class).inNamespace(NAMESPACE);
    String from = crs.list().getMetadata().getResourceVersion();
    // From the list's resourceVersion: see PeerBench on watches from "".
    return crs.watch(new ListOptionsBuilder().withResourceVersion(from).build(), new Watcher<CrawlerMaster>() {
      @Override
      public void eventReceived(Action action, CrawlerMaster cm) {
        long now = System.nanoTime();
        String name = cm.getMetadata().getName();
        String leader = cm.getStatus() == null ? null : cm.getStatus().getLeader();
        if (leader == null) {
          shown.remove(name);
          return;
        }
        shown.put(name, leader);
        Pending p = pending.get(name);
        // pending is cleared outside the steady phase, so only its changes become samples.
        if (p != null && p.leader().equals(leader) && pending.remove(name, p)) {
          samples.add((now - p.sinceNanos()) / 1e6);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        if (cause != null) {
          System.err.println("scale: CrawlerMaster watch closed: " + cause);
        }
      }
    });
  }

  private void awaitAllShown(TestingOperatorProcess operator, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long lastReport = System.nanoTime();
    while (true) {
      long right = clusters.stream().filter(c -> c.pod(c.leader).equals(shown.get(c.name))).count();
      if (right == clusters.size()) {
        return;
      }
      if (!operator.isAlive()) {
        throw new IllegalStateException("the operator exited; log:\n" + tail(operator.log()));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "only " + right + " of " + clusters.size() + " statuses right within " + timeout + "; log:\n" + tail(operator.log()));
      }
      if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(10)) {
        lastReport = System.nanoTime();
        System.out.printf("scale: cold start: %d of %d statuses right%n", right, clusters.size());
      }
      Thread.sleep(20);
    }
  }

  /** A shutdown hook that closes {@code all}: it runs only if the harness is killed before it is removed. */
  private static Thread cleanupOnKill(String name, AutoCloseable... all) {
    Thread hook = new Thread(() -> closeQuietly(all), name);
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  private static void removeCleanup(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is exiting: the hook runs, and closing twice is harmless.
    }
  }

  private static void closeQuietly(AutoCloseable... all) {
    for (AutoCloseable c : all) {
      try {
        c.close();
      } catch (Exception ignored) {
        // already stopped
      }
    }
  }

  private static String tail(String log) {
    return log.length() <= 4000 ? log : log.substring(log.length() - 4000);
  }

  private static TestingPrometheusText operatorMetrics(TestingOperatorProcess operator) throws Exception {
    return TestingPrometheusText.scrape(operator.uri("/metrics"));
  }

  private static TestingPrometheusText apiMetrics(TestingKubeApiServer api) {
    return TestingPrometheusText.parse(api.client().raw(api.client().getMasterUrl().toString().replaceAll("/$", "") + "/metrics"));
  }

  private static double etcdMetric(TestingEtcd etcd, String name) throws Exception {
    return TestingPrometheusText.scrape(etcd.metricsUri()).value(name).orElseThrow();
  }

  private static double sum(TestingPrometheusText m, String name, Map<String, String> labels) {
    return m.find(name, labels).stream().mapToDouble(TestingPrometheusText.Sample::value).sum();
  }

  private static double delta(TestingPrometheusText before, TestingPrometheusText after, String name, Map<String, String> labels) {
    return sum(after, name, labels) - sum(before, name, labels);
  }

  /** apiserver_request_total growth per "VERB resource[/subresource]", largest first. */
  private static Map<String, Long> byVerbAndResource(TestingPrometheusText before, TestingPrometheusText after) {
    Map<String, Double> grown = new TreeMap<>();
    for (TestingPrometheusText.Sample s : after.find("apiserver_request_total", Map.of())) {
      grown.merge(verbAndResource(s), s.value(), Double::sum);
    }
    for (TestingPrometheusText.Sample s : before.find("apiserver_request_total", Map.of())) {
      grown.merge(verbAndResource(s), -s.value(), Double::sum);
    }
    Map<String, Long> out = new LinkedHashMap<>();
    grown.entrySet().stream()
        .filter(e -> e.getValue() >= 1)
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(e -> out.put(e.getKey(), Math.round(e.getValue())));
    return out;
  }

  private static String verbAndResource(TestingPrometheusText.Sample s) {
    String sub = s.labels().getOrDefault("subresource", "");
    return s.labels().getOrDefault("verb", "?") + " " + s.labels().getOrDefault("resource", "?")
        + (sub.isEmpty() ? "" : "/" + sub);
  }

  private static Map<String, Object> target(double value, double limit, boolean alsoRequired) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("value", round1(value));
    m.put("limit", limit);
    m.put("met", alsoRequired && value < limit);
    return m;
  }

  private static double round1(double v) {
    return Math.round(v * 10.0) / 10.0;
  }

  private static double round2(double v) {
    return Math.round(v * 100.0) / 100.0;
  }
}
