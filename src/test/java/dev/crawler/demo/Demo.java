package dev.crawler.demo;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.KeyLayout;
import dev.crawler.election.CandidateInfo;
import dev.crawler.testing.TestingJvm;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingCrawls;
import dev.crawler.testing.TestingKubelet;
import dev.crawler.testing.TestingWorkerProcess;
import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.site.DemoSite;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * {@code make demo}: a CrawlerMaster on a real kube-apiserver, with the real operator and real
 * master processes (run by {@link TestingKubelet}), a SIGKILLed leader, and the measured failover.
 * Ends with one line {@code demo: leader <old> -> <new> in <N> ms; status updated in <M> ms}; exits
 * 1 when no failover is seen in time. Every process it starts is stopped on exit, failure or
 * Ctrl-C. Process logs go to {@code target/demo/}.
 *
 * <p>Run with the test classpath: {@code hack/demo.sh}.
 */
public final class Demo {
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);
  private static final String SAMPLE = "deploy/samples/crawlermaster.yaml";
  private static final String NAMESPACE = "crawler-system";
  // Paths of the master's HTTP API (dev.crawler.api.MasterPaths).
  private static final String RESOURCES = "/api/v1/resources";
  private static final int PAGES_PER_RESOURCE = 60;

  private final Path projectDir;
  private final Path demoDir;
  private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();
  private final AtomicBoolean cleanedUp = new AtomicBoolean();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Demo(Path projectDir) {
    this.projectDir = projectDir;
    this.demoDir = projectDir.resolve("target/demo");
  }

  public static void main(String[] args) {
    Demo demo = new Demo(TestingKubeApiServer.projectDir());
    Runtime.getRuntime().addShutdownHook(new Thread(demo::cleanUp, "demo-cleanup"));
    int exit;
    try {
      exit = demo.run();
    } catch (Exception e) {
      System.out.println("demo: FAILED: " + e.getMessage());
      exit = 1;
    } finally {
      demo.cleanUp();
    }
    System.exit(exit);
  }

  private int run() throws Exception {
    Files.createDirectories(demoDir);
    log("logs in " + demoDir);

    TestingKubeApiServer api = TestingKubeApiServer.startNew();
    cleanup.push(api);
    api.installCrd();
    Files.copy(api.kubeconfigFile(), demoDir.resolve("kubeconfig.yaml"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    log("kube-apiserver up in " + api.startupTime().toMillis() + " ms; kubectl --kubeconfig "
        + demoDir.resolve("kubeconfig.yaml"));
    KubernetesClient kube = api.client();

    TestingEtcd etcd = TestingEtcd.startNew();
    cleanup.push(etcd);
    log("crawler etcd at " + etcd.endpoint() + " (log " + etcd.logFile() + ")");

    api.kubectl("create", "namespace", NAMESPACE).assertSuccess();
    Process operator = startOperator(api.kubeconfigFile());
    // The demo's masters accept URLs of the local site (127.0.0.1): --allow-private-targets.
    TestingKubelet kubelet = TestingKubelet.start(kube, demoDir.resolve("pods"), (pod, container) -> {
      List<String> cmd = new ArrayList<>(TestingKubelet.masterCommand().command(pod, container));
      cmd.add("--allow-private-targets");
      return cmd;
    }, Duration.ofSeconds(1));
    cleanup.push(kubelet);

    String sample = Files.readString(projectDir.resolve(SAMPLE))
        .replaceAll("https?://[A-Za-z0-9.-]+:[0-9]+", etcd.endpoint());
    api.kubectlWithInput(sample, "apply", "-n", NAMESPACE, "-f", "-").assertSuccess();
    CrawlerMaster cm = kube.getKubernetesSerialization().unmarshal(sample, CrawlerMaster.class);
    String name = cm.getMetadata().getName();
    log("applied " + SAMPLE + " as " + NAMESPACE + "/" + name + " with etcd " + etcd.endpoint());

    cm = await("a leader in status.leader", STEP_TIMEOUT,
        operator, () -> Optional.ofNullable(kube.resources(CrawlerMaster.class).inNamespace(NAMESPACE)
            .withName(name).get())
            .filter(c -> c.getStatus() != null && c.getStatus().getLeader() != null));
    int replicas = cm.getSpec().getReplicas();
    await(replicas + " ready pods", STEP_TIMEOUT, operator, () -> readyPods(kube, name).size() == replicas
        ? Optional.of(true) : Optional.empty());
    KeyLayout keys = cm.keyLayout();
    int port = cm.getSpec().getPort();
    System.out.print(api.kubectl("get", "crawlermasters", "-n", NAMESPACE).assertSuccess().stdout());

    try (Client etcdClient = Client.builder().endpoints(etcd.endpoint()).build()) {
      ByteSequence electionName = bytes(keys.election());
      CandidateInfo old = await("the election leader in etcd", STEP_TIMEOUT, operator,
          () -> electionLeader(etcdClient, electionName));
      log("etcd says " + old.id() + " at " + old.address() + " leads");

      DemoSite site = DemoSite.start("127.0.0.1", 0, 2000, 4, false);
      cleanup.push(site);
      log("site to crawl at " + site.base("127.0.0.1") + " (2000 generated pages, robots.txt)");
      List<TestingWorkerProcess> workers = new ArrayList<>();
      for (String id : List.of("worker-a", "worker-b")) {
        TestingWorkerProcess w = TestingWorkerProcess.start(id, etcd.endpoint(), keys.prefix(), 3,
            List.of("--crawl-delay-ms", "40"), Files.createDirectories(demoDir.resolve("pages-" + id)),
            demoDir.resolve(id + ".log"));
        cleanup.push(w);
        workers.add(w);
      }
      for (TestingWorkerProcess w : workers) {
        w.awaitReady(STEP_TIMEOUT);
      }
      List<String> resources = List.of("docs", "blog", "news", "shop");
      for (int i = 0; i < resources.size(); i++) {
        String r = resources.get(i);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://" + old.address() + RESOURCES))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + r + "\",\"url\":\"" + site.base("127.0.0.1")
                + "/p/" + (i + 1) + "\",\"maxPages\":" + PAGES_PER_RESOURCE + ",\"maxDepth\":4}"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (post.statusCode() / 100 != 2) {
          throw new IllegalStateException("POST " + RESOURCES + " " + r + " -> " + post.statusCode() + " " + post.body());
        }
      }
      log("workers worker-a, worker-b crawling; submitted resources " + resources + " (" + PAGES_PER_RESOURCE
          + " pages each) to " + old.id() + "; pages go to " + demoDir.resolve("pages-worker-*"));
      await("pages being crawled", STEP_TIMEOUT, operator,
          () -> pagesCrawled(etcdClient, keys, resources) >= 20 ? Optional.of(true) : Optional.empty());
      log("resources before: " + getResources(old.address()).orElse("(unavailable)"));
      int pagesBefore = pagesCrawled(etcdClient, keys, resources);
      long pid = kubelet.pid(NAMESPACE, old.id())
          .orElseThrow(() -> new IllegalStateException("no process for leader pod " + old.id()));
      long killedAt = System.nanoTime();
      new ProcessBuilder("kill", "-KILL", Long.toString(pid)).inheritIO().start().waitFor();
      log("kill -KILL " + pid + " (" + old.id() + ") with " + pagesBefore + " pages crawled");

      // Both sides are polled from the kill on, concurrently: etcd's election every 10 ms, the CR every 50 ms.
      CompletableFuture<Timed<CandidateInfo>> etcdSide = CompletableFuture.supplyAsync(() -> timed(killedAt,
          pollUntil(FAILOVER_TIMEOUT, 10,
              () -> electionLeader(etcdClient, electionName).filter(l -> !l.id().equals(old.id())))));
      CompletableFuture<Timed<String>> statusSide = CompletableFuture.supplyAsync(() -> timed(killedAt,
          pollUntil(FAILOVER_TIMEOUT, 50,
              () -> Optional.ofNullable(kube.resources(CrawlerMaster.class).inNamespace(NAMESPACE).withName(name).get())
                  .map(c -> c.getStatus() == null ? null : c.getStatus().getLeader())
                  .filter(l -> !l.equals(old.id())))));
      Timed<CandidateInfo> next = etcdSide.join();
      if (next.value() != null) {
        log("etcd: " + next.value().id() + " leads " + next.millis() + " ms after the kill");
      }
      Timed<String> status = statusSide.join();
      if (next.value() == null || status.value() == null) {
        System.out.println("demo: FAILED: no failover seen within " + FAILOVER_TIMEOUT.toSeconds() + " s after the kill"
            + " (etcd leader " + (next.value() == null ? "unchanged/none" : next.value().id()) + ", status.leader "
            + (status.value() == null ? "unchanged" : status.value()) + ")");
        return 1;
      }
      log("status.leader: " + status.value() + " " + status.millis() + " ms after the kill");
      CandidateInfo newLeader = next.value();
      System.out.print(api.kubectl("get", "crawlermasters", "-n", NAMESPACE).assertSuccess().stdout());
      String survivor = readyPods(kube, name).stream()
          .filter(p -> !p.getMetadata().getName().equals(old.id())
              && !p.getMetadata().getName().equals(newLeader.id()))
          .map(p -> p.getStatus().getPodIP() + ":" + port)
          .findFirst().orElse(newLeader.address());
      String after = pollUntil(Duration.ofSeconds(20), 250, () -> getResources(survivor));
      log("resources after (via " + survivor + "): " + after);
      List<String> lost = new ArrayList<>();
      for (String r : resources) {
        if (after == null || !after.contains("\"" + r + "\"")) {
          lost.add(r);
        }
      }
      if (!lost.isEmpty()) {
        System.out.println("demo: FAILED: resources missing after failover: " + lost);
        return 1;
      }
      List<String> unfinished = new ArrayList<>(resources);
      long crawlDeadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
      while (!unfinished.isEmpty() && System.nanoTime() < crawlDeadline) {
        unfinished.removeIf(r -> progress(etcdClient, keys, r).map(p -> p.path("state").asText().equals("done"))
            .orElse(false));
        Thread.sleep(100);
      }
      int pagesTotal = pagesCrawled(etcdClient, keys, resources);
      int lines = 0;
      for (TestingWorkerProcess w : workers) {
        lines += w.pages().size();
      }
      log("crawls after: " + resources.stream().map(r -> r + " " + progress(etcdClient, keys, r)
          .map(p -> p.path("state").asText() + " " + p.path("pages").asInt() + " pages by " + p.path("worker").asText())
          .orElse("(no progress)")).toList() + "; " + lines + " page lines written");
      if (!unfinished.isEmpty()) {
        System.out.println("demo: FAILED: crawls not finished after the failover: " + unfinished);
        return 1;
      }
      System.out.printf("demo: leader %s -> %s in %d ms; status updated in %d ms; pages crawled %d + %d, lost %d%n",
          old.id(), newLeader.id(), next.millis(), status.millis(), pagesBefore, pagesTotal - pagesBefore,
          lost.size() + unfinished.size());
      return 0;
    }
  }

  private Process startOperator(Path kubeconfig) throws IOException {
    // Any free health port: the demo's pods share this host's network, and each master binds its
    // probe port (8081) on its own loopback address, which the operator's wildcard 8081 would take.
    List<String> args = List.of("operator", "--master-image", "crawler-master:demo", "--health-port", "0");
    ProcessBuilder pb = TestingJvm.builder(TestingJvm.command(List.of(), TestingJvm.OPERATOR_JVM_FLAGS, args),
        Map.of("KUBECONFIG", kubeconfig.toString()));
    pb.redirectOutput(demoDir.resolve("operator.log").toFile());
    Process p = pb.start();
    cleanup.push(() -> stop(p));
    log("operator pid " + p.pid() + " (log " + demoDir.resolve("operator.log") + ")");
    return p;
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  private static List<Pod> readyPods(KubernetesClient kube, String name) {
    return kube.pods().inNamespace(NAMESPACE).list().getItems().stream()
        .filter(p -> p.getMetadata().getName().startsWith(name + "-"))
        .filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null
            && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
        .toList();
  }

  private static Optional<CandidateInfo> electionLeader(Client etcd, ByteSequence electionName) {
    try {
      var response = etcd.getElectionClient().leader(electionName).get(2, TimeUnit.SECONDS);
      return CandidateInfo.parse(response.getKv().getValue().getBytes());
    } catch (Exception noLeaderOrNotYet) {
      // NoLeaderException: nobody leads right now (see STACK.md, jetcd pitfall 2).
      return Optional.empty();
    }
  }

  /** Pages fetched so far by every crawl of {@code resources}, as their progress in etcd says. */
  private static int pagesCrawled(Client etcd, KeyLayout keys, List<String> resources) {
    return resources.stream().mapToInt(r -> progress(etcd, keys, r).map(p -> p.path("pages").asInt()).orElse(0)).sum();
  }

  private static Optional<JsonNode> progress(Client etcd, KeyLayout keys, String resource) {
    try {
      return TestingCrawls.progress(etcd, keys, resource);
    } catch (Exception e) {
      return Optional.empty();
    }
  }


  private Optional<String> getResources(String address) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address + RESOURCES))
          .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(r.body().strip()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** A value and when it was seen, in ms since {@code start}. */
  private record Timed<T>(T value, long millis) {}

  private static <T> Timed<T> timed(long start, T value) {
    return new Timed<>(value, millisSince(start));
  }

  private static <T> T pollUntil(Duration timeout, long periodMillis, Supplier<Optional<T>> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<T> value = probe.get();
      if (value.isPresent()) {
        return value.get();
      }
      try {
        Thread.sleep(periodMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  /** Polls until {@code probe} gives a value; fails early when the operator process has died. */
  private <T> T await(String what, Duration timeout, Process operator, Supplier<Optional<T>> probe) {
    long t0 = System.nanoTime();
    T value = pollUntil(timeout, 200, () -> {
      if (!operator.isAlive()) {
        throw new IllegalStateException("the operator exited with " + operator.exitValue() + " while waiting for "
            + what + "; see " + demoDir.resolve("operator.log"));
      }
      return probe.get();
    });
    if (value == null) {
      throw new IllegalStateException("no " + what + " within " + timeout.toSeconds() + " s");
    }
    log(what + ": after " + millisSince(t0) + " ms");
    return value;
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static void log(String message) {
    System.out.println("demo: " + message);
  }

  /** Stops everything started, newest first; safe to call twice (finally block and shutdown hook). */
  private void cleanUp() {
    if (!cleanedUp.compareAndSet(false, true)) {
      return;
    }
    while (!cleanup.isEmpty()) {
      try {
        cleanup.pop().close();
      } catch (Exception e) {
        System.out.println("demo: cleanup: " + e);
      }
    }
  }
}
