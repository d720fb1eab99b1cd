package dev.crawler.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.api.KeyLayout;
import dev.crawler.api.MasterPaths;
import dev.crawler.support.Json;
import dev.crawler.election.CandidateInfo;
import dev.crawler.testing.TestingElectionHistory;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingEtcdCluster;
import dev.crawler.testing.TestingMasterProcess;
import dev.crawler.site.DemoSite;
import dev.crawler.testing.TestingCrawls;
import dev.crawler.testing.TestingWorkerProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The chaos run ({@code make chaos}, docs/reliability.md): a 3-member etcd cluster, 3 master
 * processes (each in its own network namespace when root), workers joining and leaving, clients
 * writing through random replicas, and three fault lanes (masters, etcd, workers) from one seed.
 * Afterwards {@link ChaosChecker} judges the clients' history and etcd's revision history.
 * Writes {@code target/chaos/results.json}; exits 1 on any violation, 2 when the harness itself failed.
 *
 * <p>Environment: {@code CHAOS_SEED} replays a schedule, {@code CHAOS_QUICK=1} runs a short one,
 * {@code CHAOS_DURATION_S} sets how long faults are injected.
 */
public final class Chaos implements AutoCloseable {
  static final int MASTERS = 3;
  static final int LEASE_TTL_SECONDS = 3;
  static final int WORKER_TTL_SECONDS = 3;
  static final int CLIENTS = 3;
  /** Pages each resource's crawl attempts (ChaosClients gives every resource this limit). */
  static final int CRAWL_LIMIT = 8;
  /** Two workers' page lines for one resource may overlap in time by this much at most (invariant 8). */
  static final long CRAWL_OVERLAP_BOUND_MS = 1000;
  /** Longer than a forwarded request may live (the forwarder's 5 s), so none is still on its way. */
  static final Duration QUIET = Duration.ofSeconds(6);
  static final int MASTER_PORT = 8080;
  /**
   * How long a resource may sit on a dead worker (or none) after etcd deleted the worker's key:
   * the leader at that moment may itself be paused or cut off, so its lease must expire (one TTL)
   * before a successor campaigns; an etcd leader election or a killed member can hold up the
   * successor's calls for another TTL; its first pass reads and writes within a few etcd timeouts.
   */
  static final long DEAD_ASSIGNMENT_BOUND_MS = 2 * LEASE_TTL_SECONDS * 1000L + 10_000;

  private final long seed;
  private final Path out;
  private final KeyLayout layout = new KeyLayout("/crawler/chaos/c");
  private final FaultPlan plan;
  private final ChaosNetwork net;
  private final String partitionsSkipped;
  private final Map<FaultKind, AtomicInteger> faults = new EnumMap<>(FaultKind.class);
  private final List<long[]> revisionTimes = new CopyOnWriteArrayList<>();
  private final TestingMasterProcess[] masters = new TestingMasterProcess[MASTERS];
  /** Held by whoever acts on a replica (a fault from injection to heal, the liveness check). */
  private final ReentrantLock[] replicaLocks = IntStream.range(0, MASTERS).mapToObj(i -> new ReentrantLock())
      .toArray(ReentrantLock[]::new);
  private final AtomicInteger livenessRestarts = new AtomicInteger();
  private final List<TestingWorkerProcess> workers = new ArrayList<>();
  private final List<TestingWorkerProcess> deadWorkers = new ArrayList<>();
  private DemoSite site;
  private final PrintWriter faultLog;
  private final long started = System.currentTimeMillis();
  private TestingEtcdCluster etcd;
  private Client client;
  private ChaosClients clients;
  private int nextWorker;
  private volatile boolean stopping;
  private Map<String, Object> crawlFigures = Map.of();

  private Chaos(long seed, Path out, ChaosNetwork net, String partitionsSkipped) throws IOException {
    this.seed = seed;
    this.out = out;
    this.net = net;
    this.partitionsSkipped = partitionsSkipped;
    this.plan = new FaultPlan(seed, LEASE_TTL_SECONDS, net != null);
    for (FaultKind k : FaultKind.values()) {
      faults.put(k, new AtomicInteger());
    }
    this.faultLog = new PrintWriter(Files.newBufferedWriter(out.resolve("faults.log")), true);
  }

  public static void main(String[] args) throws Exception {
    boolean quick = "1".equals(System.getenv("CHAOS_QUICK"));
    String seedEnv = System.getenv("CHAOS_SEED");
    long seed = seedEnv == null || seedEnv.isBlank() ? new SecureRandom().nextInt(Integer.MAX_VALUE) : Long.parseLong(seedEnv.trim());
    String durationEnv = System.getenv("CHAOS_DURATION_S");
    long durationS = durationEnv == null || durationEnv.isBlank() ? (quick ? 150 : 600) : Long.parseLong(durationEnv.trim());
    Path out = Path.of("target", "chaos");
    // A run's logs only: master and etcd logs are appended to across a replica's restarts.
    if (Files.isDirectory(out)) {
      try (Stream<Path> old = Files.walk(out)) {
        old.sorted(Comparator.reverseOrder()).filter(f -> !f.equals(out)).forEach(f -> f.toFile().delete());
      }
    }
    Files.createDirectories(out);
    System.out.printf("chaos: seed %d (replay with CHAOS_SEED=%d), %s, faults for %d s%n",
        seed, seed, quick ? "quick" : "full", durationS);
    Optional<String> noNet = ChaosNetwork.unavailableBecause();
    ChaosNetwork net = null;
    String skipped = null;
    if (noNet.isPresent()) {
      skipped = noNet.get();
      System.out.println("chaos: SKIPPING the partition faults (partition_master_etcd, partition_master_master): "
          + skipped + "; run as root with iproute2 and iptables for them. Every other fault still runs.");
    } else {
      net = ChaosNetwork.create(MASTERS);
    }
    int exit;
    Chaos chaos = new Chaos(seed, out, net, skipped);
    Thread cleanup = new Thread(chaos::closeQuietly, "chaos-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      exit = chaos.run(durationS, quick);
    } finally {
      chaos.closeQuietly();
    }
    System.exit(exit);
  }

  private int run(long durationS, boolean quick) throws Exception {
    etcd = TestingEtcdCluster.start(net == null ? "127.0.0.1" : ChaosNetwork.HOST_IP, 3, ChaosNetwork.PREFIX + "-etcd");
    client = Client.builder().endpoints(etcd.endpoints().split(",")).build();
    for (int i = 0; i < etcd.size(); i++) {
      recordPid(etcd.pid(i));
    }
    log("etcd cluster up: " + etcd.endpoints());
    for (int i = 0; i < MASTERS; i++) {
      startMaster(i);
    }
    for (int i = 0; i < MASTERS; i++) {
      master(i).awaitReady(Duration.ofSeconds(90));
    }
    log("masters ready: " + addresses());
    site = DemoSite.start("127.0.0.1", 0, 2000, 4, false);
    log("site to crawl: " + site.base("127.0.0.1"));
    for (int i = 0; i < 3; i++) {
      joinWorker();
    }
    Thread sampler = thread("chaos-revisions", this::sampleRevisions);
    Thread liveness = thread("chaos-liveness", this::liveness);
    clients = new ChaosClients(this::addresses, site.base("127.0.0.1"), CRAWL_LIMIT);
    clients.start(CLIENTS, seed);
    long deadline = System.currentTimeMillis() + durationS * 1000;
    List<Thread> lanes = List.of(
        thread("chaos-master-lane", () -> masterLane(deadline)),
        thread("chaos-etcd-lane", () -> etcdLane(deadline)),
        thread("chaos-worker-lane", () -> workerLane(deadline)));
    for (Thread lane : lanes) {
      lane.join();
    }
    log("faults over: " + faultCounts());
    restoreEverything();
    List<String> harnessFailures = clients.close();
    ensureLiveWorker();
    boolean settled = settle(Duration.ofSeconds(60));
    // A request a client gave up on may still reach the leader late (a partition that held its
    // packets healed): the final state is read once nothing has changed for longer than a
    // forwarded request may live, and the API is compared with the etcd state read around it.
    quiesce(QUIET, Duration.ofSeconds(60));
    Map<String, String> api;
    Map<String, String> finalAssignments;
    long finalRevision;
    for (int attempt = 1; ; attempt++) {
      Map<String, String> before = finalAssignments();
      api = apiAssignments(Duration.ofSeconds(60));
      finalRevision = resourcesRevision();
      finalAssignments = finalAssignments(finalRevision);
      if (before.equals(finalAssignments) || attempt == 5) {
        break;
      }
      log("the resources changed while the API was read; reading again");
    }
    Set<String> finalWorkers = finalWorkers(finalRevision);
    sample();
    stopping = true;
    sampler.join(5000);
    liveness.join(10_000);
    List<TestingElectionHistory.Event> events = new ArrayList<>();
    events.addAll(TestingElectionHistory.events(client, layout.election()));
    events.addAll(TestingElectionHistory.events(client, layout.workersDir()));
    events.addAll(TestingElectionHistory.events(client, layout.resourcesDir()));
    long upTo = finalRevision;
    events.removeIf(e -> e.revision() > upTo);
    List<ClientOp> history = clients.history();
    writeHistory(history);
    ChaosChecker.Result result = ChaosChecker.check(new ChaosChecker.Input(
        layout, history, events, finalAssignments, finalWorkers, api, revisionTimes, DEAD_ASSIGNMENT_BOUND_MS,
        livenessRestarts.get(), stallReports()));
    List<String> violations = result.violations().stream().map(ChaosChecker.Violation::toString).collect(Collectors.toList());
    Map<String, JsonNode> progress = awaitCrawls(finalAssignments.keySet(), Duration.ofSeconds(120));
    List<JsonNode> pages = new ArrayList<>();
    for (TestingWorkerProcess w : allWorkers()) {
      pages.addAll(w.pages());
    }
    CrawlChecker.check(progress, CRAWL_LIMIT, pages, CRAWL_OVERLAP_BOUND_MS).forEach(v -> violations.add(v.toString()));
    crawlFigures = Map.of("resources", progress.size(),
        "done", progress.values().stream().filter(p -> p != null && p.path("state").asText().equals("done")).count(),
        "pages_recorded", progress.values().stream().filter(Objects::nonNull).mapToInt(p -> p.path("pages").asInt()).sum(),
        "page_lines", pages.size(),
        "resumes", progress.values().stream().filter(Objects::nonNull).mapToInt(p -> p.path("resumes").asInt()).sum(),
        "workers_started", allWorkers().size());
    if (!settled) {
      log("the cluster did not settle within 60 s after the faults; the checker says why");
    }
    return report(durationS, quick, history, result, violations, harnessFailures);
  }

  // ---- the lanes ----

  private void masterLane(long deadline) {
    while (System.currentTimeMillis() < deadline) {
      FaultPlan.Fault f = plan.nextMasterFault();
      int target = f.atLeader() ? leaderIndex().orElse(f.target() % MASTERS) : f.target() % MASTERS;
      replicaLocks[target].lock();
      try {
        // Healed whatever happens from here on: an inject that failed half-way (one DROP rule in,
        // a killed replica that did not exit in time) must not leave the replica impaired.
        injectMaster(f.kind(), target);
        faults.get(f.kind()).incrementAndGet();
        log(f.kind().key() + " m" + target + (f.atLeader() ? " (leader)" : "") + " for " + f.holdMs() + " ms");
        Thread.sleep(f.holdMs());
      } catch (Exception e) {
        log("master lane: " + f.kind().key() + " m" + target + ": " + e);
      } finally {
        try {
          healMaster(f.kind(), target);
        } catch (Exception e) {
          log("master lane: healing " + f.kind().key() + " m" + target + ": " + e);
        }
        replicaLocks[target].unlock();
      }
      try {
        awaitReady(target, Duration.ofSeconds(60));
      } catch (Exception e) {
        log("master lane: " + e.getMessage());
      }
      sleepQuietly(f.gapMs());
    }
  }

  private void injectMaster(FaultKind kind, int i) throws Exception {
    switch (kind) {
      case SIGKILL -> {
        master(i).signal("KILL");
        master(i).awaitExit(Duration.ofSeconds(10));
      }
      case SIGTERM -> {
        master(i).signal("TERM");
        try {
          master(i).awaitExit(Duration.ofSeconds(20));
        } catch (IllegalStateException stuck) {
          log("m" + i + " did not exit within 20 s of SIGTERM; killing it");
          master(i).close();
        }
      }
      case SIGSTOP -> master(i).signal("STOP");
      case PARTITION_MASTER_ETCD -> net.cutFromEtcd(i, etcd.clientPorts());
      case PARTITION_MASTER_MASTER -> net.cutFromMasters(i);
      default -> throw new IllegalArgumentException(kind.toString());
    }
  }

  /** Undoes {@link #injectMaster}, also one that failed part-way or did not happen at all. */
  private void healMaster(FaultKind kind, int i) throws Exception {
    switch (kind) {
      case SIGKILL, SIGTERM -> {
        // The old process may still run (a signal that failed, an exit that took too long).
        master(i).close();
        startMaster(i);
      }
      case SIGSTOP -> master(i).signal("CONT");
      case PARTITION_MASTER_ETCD, PARTITION_MASTER_MASTER -> net.heal(i);
      default -> throw new IllegalArgumentException(kind.toString());
    }
  }

  private void etcdLane(long deadline) {
    while (System.currentTimeMillis() < deadline) {
      FaultPlan.Fault f = plan.nextEtcdFault();
      Optional<Integer> leader = etcd.leader();
      int member = f.kind() == FaultKind.ETCD_LEADER_KILL
          ? leader.orElse(f.target() % 3)
          : leader.map(l -> (l + 1 + f.target() % 2) % 3).orElse(f.target() % 3);
      // Without a known leader the member killed may be any: it counts as a member kill.
      FaultKind kind = leader.isEmpty() ? FaultKind.ETCD_MEMBER_KILL : f.kind();
      try {
        etcd.kill(member);
        faults.get(kind).incrementAndGet();
        log(kind.key() + " " + etcd.name(member) + (leader.isEmpty() ? " (no leader known)" : "") + " for " + f.holdMs() + " ms");
        Thread.sleep(f.holdMs());
        startEtcdMember(member);
        Thread.sleep(f.gapMs());
      } catch (Exception e) {
        log("etcd lane: " + kind.key() + " " + etcd.name(member) + ": " + e);
        sleepQuietly(1000);
      }
    }
  }

  private void workerLane(long deadline) {
    while (System.currentTimeMillis() < deadline) {
      FaultPlan.WorkerStep step = plan.nextWorkerStep();
      try {
        pruneWorkers();
        if (workers.size() >= 2 && (workers.size() >= 4 || step.dieRoll() < 0.5)) {
          TestingWorkerProcess w = workers.remove(step.target() % workers.size());
          // SIGTERM: the worker stops crawling and revokes its lease; SIGKILL: the lease expires.
          w.signal(step.graceful() ? "TERM" : "KILL");
          deadWorkers.add(w);
          faults.get(FaultKind.WORKER_DEATH).incrementAndGet();
          log("worker_death " + w.id() + (step.graceful() ? " (SIGTERM: lease revoked)" : " (SIGKILL: lease left to expire)"));
        } else {
          joinWorker();
        }
        Thread.sleep(step.gapMs());
      } catch (Exception e) {
        log("worker lane: " + e);
        sleepQuietly(1000);
      }
    }
  }

  /**
   * What the kubelet's liveness probe does in a cluster: a replica whose {@code /healthz} answers
   * 503 three times in a row (its leader work was found hung and it left the election) is killed
   * and started again. A replica that does not answer at all (paused, cut off) is left alone, as
   * the probe's timeouts would for a pause this short.
   */
  private void liveness() {
    int[] failures = new int[MASTERS];
    while (!stopping) {
      for (int i = 0; i < MASTERS; i++) {
        if (!replicaLocks[i].tryLock()) {
          failures[i] = 0;
          continue;
        }
        try {
          TestingMasterProcess m = master(i);
          boolean unhealthy = m.isAlive() && m.tryGet(MasterPaths.HEALTHZ).map(r -> r.status() == 503).orElse(false);
          failures[i] = unhealthy ? failures[i] + 1 : 0;
          if (failures[i] >= 3) {
            log("liveness: m" + i + " answered /healthz 503 three times in a row; restarting it");
            m.close();
            startMaster(i);
            livenessRestarts.incrementAndGet();
            failures[i] = 0;
          }
        } catch (Exception e) {
          log("liveness: m" + i + ": " + e);
        } finally {
          replicaLocks[i].unlock();
        }
      }
      sleepQuietly(2000);
    }
  }

  // ---- parts ----

  private void startMaster(int i) throws IOException {
    String id = "m" + i;
    Path logFile = out.resolve("master-" + id + ".log");
    TestingMasterProcess p;
    if (net == null) {
      int port = masters[i] == null ? TestingEtcd.freePort() : masters[i].port();
      p = TestingMasterProcess.start(List.of(), "127.0.0.1", port, id, etcd.endpoints(), layout.prefix(),
          LEASE_TTL_SECONDS, List.of("--allow-private-targets"), logFile);
    } else {
      String peers = IntStream.range(0, MASTERS)
          .mapToObj(j -> ChaosNetwork.address(j) + ":" + MASTER_PORT).collect(Collectors.joining(","));
      p = TestingMasterProcess.start(net.launcher(i), ChaosNetwork.address(i), MASTER_PORT, id, etcd.endpoints(),
          layout.prefix(), LEASE_TTL_SECONDS, List.of("--peers", peers, "--allow-private-targets"), logFile);
    }
    synchronized (masters) {
      masters[i] = p;
    }
    recordPid(p.pid());
  }

  /** Starts an etcd member again; its pid is recorded as soon as it runs, also when it does not become healthy. */
  private void startEtcdMember(int i) throws IOException {
    try {
      etcd.start(i);
    } finally {
      recordPid(etcd.pid(i));
    }
  }

  /** Every process this run starts, for {@code hack/chaos.sh down} after a run that could not clean up. */
  private void recordPid(long pid) {
    if (pid < 0) {
      return;
    }
    try {
      Files.writeString(out.resolve("pids"), pid + "\n", StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      log("cannot record pid " + pid + ": " + e);
    }
  }

  private TestingMasterProcess master(int i) {
    synchronized (masters) {
      return masters[i];
    }
  }

  private List<String> addresses() {
    List<String> all = new ArrayList<>();
    synchronized (masters) {
      for (TestingMasterProcess m : masters) {
        all.add(m.host() + ":" + m.port());
      }
    }
    return all;
  }

  /** The replica etcd's election names as leader (first-created key), by index. */
  private Optional<Integer> leaderIndex() {
    try {
      List<KeyValue> kvs = client.getKVClient()
          .get(bytes(layout.election() + "/"), GetOption.builder().isPrefix(true)
              .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND).withLimit(1).build())
          .get(2, TimeUnit.SECONDS).getKvs();
      return kvs.stream().findFirst()
          .flatMap(kv -> CandidateInfo.parse(kv.getValue().getBytes()))
          .map(info -> Integer.parseInt(info.id().substring(1)));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private void joinWorker() throws Exception {
    String id = "w" + nextWorker++;
    TestingWorkerProcess w = TestingWorkerProcess.start(id, etcd.endpoints(), layout.prefix(), WORKER_TTL_SECONDS,
        List.of("--crawl-delay-ms", "50"), Files.createDirectories(out.resolve("pages-" + id)),
        out.resolve("worker-" + id + ".log"));
    recordPid(w.pid());
    workers.add(w);
    w.awaitReady(Duration.ofSeconds(60));
    log("worker joined: " + id);
  }

  /**
   * Forgets workers whose process has exited. A live worker whose lease was lost (its keep-alive
   * cut by an etcd fault) registers again by itself, so a missing key alone does not retire it.
   */
  private void pruneWorkers() {
    workers.removeIf(w -> {
      if (!w.isAlive()) {
        log("worker " + w.id() + " exited; it no longer counts as live");
        deadWorkers.add(w);
        return true;
      }
      return false;
    });
  }

  private void ensureLiveWorker() throws Exception {
    pruneWorkers();
    while (workers.size() < 2) {
      joinWorker();
    }
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < end && workers.stream().filter(w -> finalWorkersOrEmpty().contains(w.id())).count() < 2) {
      Thread.sleep(200);
    }
  }

  private Set<String> finalWorkersOrEmpty() {
    Set<String> live = finalWorkersOrNull();
    return live == null ? Set.of() : live;
  }

  private List<TestingWorkerProcess> allWorkers() {
    List<TestingWorkerProcess> all = new ArrayList<>(workers);
    all.addAll(deadWorkers);
    return all;
  }

  /** Waits until every resource's crawl has finished; returns each resource's progress (null: none). */
  private Map<String, JsonNode> awaitCrawls(Set<String> resources, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    Map<String, JsonNode> progress = new TreeMap<>();
    while (true) {
      progress.clear();
      for (String r : resources) {
        try {
          progress.put(r, TestingCrawls.progress(client, layout, r).orElse(null));
        } catch (Exception e) {
          progress.put(r, null);
        }
      }
      boolean finished = progress.values().stream().allMatch(p -> p != null
          && (p.path("state").asText().equals("done") || p.path("state").asText().equals("failed")));
      if (finished || System.nanoTime() > end) {
        log("crawls " + (finished ? "finished" : "not all finished after " + timeout.toSeconds() + " s") + ": "
            + progress.values().stream().filter(p -> p != null && p.path("state").asText().equals("done")).count()
            + " of " + resources.size() + " done");
        return progress;
      }
      Thread.sleep(500);
    }
  }

  /** Resumes, restarts and reconnects everything the lanes may have left impaired. */
  private void restoreEverything() throws Exception {
    for (int i = 0; i < etcd.size(); i++) {
      if (!etcd.isRunning(i)) {
        startEtcdMember(i);
      }
    }
    for (int i = 0; i < MASTERS; i++) {
      replicaLocks[i].lock();
      try {
        if (net != null) {
          net.heal(i);
        }
        if (master(i).isAlive()) {
          master(i).signal("CONT");
        } else {
          startMaster(i);
        }
      } finally {
        replicaLocks[i].unlock();
      }
    }
    for (int i = 0; i < MASTERS; i++) {
      awaitReady(i, Duration.ofSeconds(90));
    }
  }

  /** Waits until replica {@code i} is ready, whichever process the liveness check put in its place meanwhile. */
  private void awaitReady(int i, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        master(i).awaitReady(Duration.ofSeconds(5));
        return;
      } catch (IllegalStateException notYet) {
        if (System.nanoTime() > end) {
          throw new IllegalStateException("m" + i + " not ready within " + timeout + "; log: " + master(i).logFile());
        }
        Thread.sleep(200);
      }
    }
  }

  /** Waits until every resource in etcd is on a live worker. */
  private boolean settle(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      try {
        Set<String> live = finalWorkers();
        if (finalAssignments().values().stream().allMatch(w -> w != null && live.contains(w))) {
          return true;
        }
      } catch (Exception retry) {
        // etcd busy: read again
      }
      Thread.sleep(500);
    }
    return false;
  }

  /** The assignments as the API answers them through any replica (null if none answered). */
  private Map<String, String> apiAssignments(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    int i = 0;
    while (System.nanoTime() < end) {
      try {
        TestingMasterProcess.Response r = master(i++ % MASTERS).get(MasterPaths.RESOURCES);
        if (r.status() == 200) {
          Map<String, String> assignments = new TreeMap<>();
          for (JsonNode n : Json.MAPPER.readTree(r.body())) {
            assignments.put(n.path("name").asText(), n.path("worker").isTextual() ? n.path("worker").asText() : null);
          }
          return assignments;
        }
      } catch (IOException retry) {
        // next replica
      }
      Thread.sleep(500);
    }
    log("no replica listed the resources within " + timeout);
    return null;
  }

  private Map<String, String> finalAssignments() throws Exception {
    return finalAssignments(0);
  }

  /** The resources at {@code revision} (0: now). */
  private Map<String, String> finalAssignments(long revision) throws Exception {
    Map<String, String> m = new TreeMap<>();
    for (KeyValue kv : prefix(layout.resourcesDir(), revision)) {
      JsonNode n = Json.MAPPER.readTree(kv.getValue().getBytes());
      m.put(n.path("name").asText(), n.path("worker").isTextual() ? n.path("worker").asText() : null);
    }
    return m;
  }

  /** etcd's revision now (a read of the resources' prefix). */
  private long resourcesRevision() throws Exception {
    return client.getKVClient().get(bytes(layout.resourcesDir()), GetOption.builder().isPrefix(true).withCountOnly(true).build())
        .get(5, TimeUnit.SECONDS).getHeader().getRevision();
  }

  /**
   * Waits until the resources and workers have not changed for {@code quiet} (workers' progress
   * writes do not count), or {@code timeout} passed.
   */
  private void quiesce(Duration quiet, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    Object last = null;
    long since = System.nanoTime();
    while (System.nanoTime() < end) {
      Object now = List.of(finalAssignments(), finalWorkers());
      if (!now.equals(last)) {
        last = now;
        since = System.nanoTime();
      } else if (System.nanoTime() - since >= quiet.toNanos()) {
        return;
      }
      Thread.sleep(250);
    }
    log("the resources kept changing for " + timeout + " after the faults");
  }

  private Set<String> finalWorkers() throws Exception {
    return finalWorkers(0);
  }

  private Set<String> finalWorkers(long revision) throws Exception {
    Set<String> ids = new TreeSet<>();
    for (KeyValue kv : prefix(layout.workersDir(), revision)) {
      ids.add(kv.getKey().toString(StandardCharsets.UTF_8).substring(layout.workersDir().length()));
    }
    return ids;
  }

  private Set<String> finalWorkersOrNull() {
    try {
      return finalWorkers();
    } catch (Exception e) {
      return null;
    }
  }

  private List<KeyValue> prefix(String dir) throws Exception {
    return prefix(dir, 0);
  }

  private List<KeyValue> prefix(String dir, long revision) throws Exception {
    return client.getKVClient().get(bytes(dir), GetOption.builder().isPrefix(true).withRevision(revision).build())
        .get(5, TimeUnit.SECONDS).getKvs();
  }

  private void sampleRevisions() {
    while (!stopping) {
      sample();
      sleepQuietly(200);
    }
  }

  private void sample() {
    try {
      long revision = client.getKVClient().get(bytes("/")).get(1, TimeUnit.SECONDS).getHeader().getRevision();
      revisionTimes.add(new long[] {revision, System.currentTimeMillis()});
    } catch (Exception e) {
      // etcd busy or a member down: the next sample
    }
  }

  /** The masters' log lines that report leader work as hung (LeadershipLoop's watchdog warning). */
  private List<String> stallReports() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < MASTERS; i++) {
      Path logFile = out.resolve("master-m" + i + ".log");
      if (Files.exists(logFile)) {
        try (var all = Files.lines(logFile, java.nio.charset.StandardCharsets.ISO_8859_1)) {
          String id = "m" + i;
          all.filter(l -> l.contains("made no progress")).map(l -> id + ": " + l.trim()).forEach(lines::add);
        }
      }
    }
    return lines;
  }

  // ---- output ----

  /** Writes the results; 0 when clean, 1 on a violation, 2 when the harness itself failed (a client thread died). */
  private int report(long durationS, boolean quick, List<ClientOp> history, ChaosChecker.Result result, List<String> violations,
      List<String> harnessFailures) throws IOException {
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("seed", seed);
    results.put("quick", quick);
    results.put("duration_s", (System.currentTimeMillis() - started) / 1000);
    results.put("fault_injection_s", durationS);
    results.put("lease_ttl_s", LEASE_TTL_SECONDS);
    results.put("partitions", net != null ? "network namespaces" : "skipped: " + partitionsSkipped);
    Map<String, Integer> counts = faultCounts();
    results.put("faults", counts);
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    results.put("faults_total", total);
    Map<String, Long> ops = history.stream().collect(Collectors.groupingBy(
        o -> o.kind().name().toLowerCase() + "_" + o.outcome(), TreeMap::new, Collectors.counting()));
    results.put("liveness_restarts", livenessRestarts.get());
    results.put("ops", ops);
    results.put("ops_total", history.size());
    results.put("dead_assignment_bound_ms", DEAD_ASSIGNMENT_BOUND_MS);
    results.put("longest_dead_assignment_ms", result.longestHomelessMs());
    results.put("load_average", Files.readString(Path.of("/proc/loadavg")).trim());
    results.put("crawl", crawlFigures);
    results.put("violations", violations);
    results.put("harness_failures", harnessFailures);
    String summary = String.format(
        "chaos: seed %d: %d faults (%s) in %d s, %d client requests, %d liveness restarts, %d violations",
        seed, total, counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")),
        (System.currentTimeMillis() - started) / 1000, history.size(), livenessRestarts.get(), violations.size());
    results.put("summary", summary);
    Files.writeString(out.resolve("results.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(results) + "\n");
    violations.forEach(v -> System.out.println("chaos: VIOLATION " + v));
    harnessFailures.forEach(f -> System.out.println("chaos: HARNESS FAILURE " + f));
    System.out.println("chaos: results in " + out.resolve("results.json") + ", logs in " + out);
    System.out.println(summary);
    if (!violations.isEmpty()) {
      return 1;
    }
    return harnessFailures.isEmpty() ? 0 : 2;
  }

  private Map<String, Integer> faultCounts() {
    Map<String, Integer> m = new LinkedHashMap<>();
    faults.forEach((k, v) -> m.put(k.key(), v.get()));
    return m;
  }

  private void writeHistory(List<ClientOp> history) throws IOException {
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("history.jsonl")))) {
      for (ClientOp op : history) {
        w.println(Json.MAPPER.writeValueAsString(op));
      }
    }
  }

  private synchronized void log(String line) {
    String stamped = Instant.now() + " " + line;
    faultLog.println(stamped);
    System.out.println("chaos: " + line);
  }

  private static Thread thread(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private void closeQuietly() {
    try {
      close();
    } catch (Exception e) {
      System.err.println("chaos: clean-up: " + e);
    }
  }

  /** Stops every process this run started and removes its namespaces; safe to call twice. */
  @Override
  public synchronized void close() throws Exception {
    stopping = true;
    for (int i = 0; i < MASTERS; i++) {
      TestingMasterProcess m = master(i);
      if (m != null) {
        m.close();
      }
    }
    for (TestingWorkerProcess w : allWorkers()) {
      w.close();
    }
    if (site != null) {
      site.close();
    }
    if (client != null) {
      client.close();
      client = null;
    }
    if (etcd != null) {
      for (int i = 0; i < etcd.size(); i++) {
        Files.copy(etcd.logFile(i), out.resolve(etcd.name(i) + ".log"), StandardCopyOption.REPLACE_EXISTING);
      }
      etcd.close();
      etcd = null;
    }
    if (net != null) {
      net.close();
    }
  }
}
