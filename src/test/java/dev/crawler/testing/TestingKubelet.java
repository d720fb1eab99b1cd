package dev.crawler.testing;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for the StatefulSet controller and the kubelet on a machine without containers: for
 * every StatefulSet labelled {@code app.kubernetes.io/managed-by=crawler-operator} it creates the
 * pods {@code <name>-0 … <name>-N-1} from the template, runs one local process per pod (by default
 * the real master, {@code java -cp <test classpath> dev.crawler.Main master}) with the pod's
 * environment, and keeps pod and StatefulSet status truthful: Running, Ready while the readiness
 * probe (else {@code GET /readyz}) answers 200, restart count, pod IP.
 *
 * <p>Each pod gets its own loopback IP (127.0.0.2, 127.0.0.3, …) so that all replicas listen on
 * the spec's port, as pods do. Dead processes are restarted with a short backoff (restartPolicy
 * Always); scaling creates or deletes the highest ordinals; a changed template replaces one
 * out-of-date pod at a time once all pods are ready; pods whose StatefulSet is gone are deleted
 * (the test API server has no garbage collector). Labels that others add to pods (the operator's
 * {@code crawler.dev/role}) are never touched. Only the first container of a pod is run.
 *
 * <p>A single thread polls the API server every {@code period}; simple and good enough for tests.
 */
public final class TestingKubelet implements AutoCloseable {
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "crawler-operator";
  public static final String REVISION_LABEL = "controller-revision-hash";
  public static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
  public static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

  private static final Duration MIN_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(8);
  /** A process that ran this long before dying restarts without accumulated backoff. */
  private static final Duration STABLE_RUN = Duration.ofSeconds(10);
  private static final AtomicInteger NEXT_IP = new AtomicInteger(2);

  /** How a pod's container is run here instead of from its image. */
  @FunctionalInterface
  public interface PodCommand {
    List<String> command(Pod pod, Container container);
  }

  private final KubernetesClient client;
  private final Path logDir;
  private final PodCommand command;
  private final ScheduledExecutorService loop;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private final Map<String, PodRuntime> runtimes = new ConcurrentHashMap<>();
  private final Map<String, String> lastStatefulSetStatus = new HashMap<>();
  private volatile boolean closed;

  private TestingKubelet(KubernetesClient client, Path logDir, PodCommand command) {
    this.client = client;
    this.logDir = logDir;
    this.command = command;
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "testing-kubelet");
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs the real master for every pod; process output goes to {@code <logDir>/<namespace>_<pod>.log}. */
  public static TestingKubelet start(KubernetesClient client, Path logDir) throws IOException {
    return start(client, logDir, masterCommand(), Duration.ofSeconds(1));
  }

  public static TestingKubelet start(KubernetesClient client, Path logDir, PodCommand command, Duration period)
      throws IOException {
    Files.createDirectories(logDir);
    TestingKubelet kubelet = new TestingKubelet(client, logDir, command);
    kubelet.loop.scheduleWithFixedDelay(kubelet::safeTick, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    return kubelet;
  }

  /**
   * {@code java -cp <this JVM's classpath> dev.crawler.Main <container args>} ({@code master} when
   * the container has no args): the image's entrypoint, run from the build output.
   */
  public static PodCommand masterCommand() {
    return (pod, container) -> {
      List<String> cmd = new ArrayList<>(javaCommand("dev.crawler.Main"));
      if (container.getArgs() != null && !container.getArgs().isEmpty()) {
        cmd.addAll(container.getArgs());
      } else {
        cmd.add("master");
      }
      return cmd;
    };
  }

  /** A small JVM (two cores are shared by several replicas) running {@code mainClass} from this classpath. */
  public static List<String> javaCommand(String mainClass) {
    return List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"),
        mainClass);
  }

  /** The OS pid of the pod's current process. */
  public Optional<Long> pid(String namespace, String pod) {
    return Optional.ofNullable(runtimes.get(key(namespace, pod)))
        .flatMap(r -> Optional.ofNullable(r.process))
        .filter(Process::isAlive)
        .map(Process::pid);
  }

  /** The loopback IP the pod's process listens on. */
  public Optional<String> podIp(String namespace, String pod) {
    return Optional.ofNullable(runtimes.get(key(namespace, pod))).map(r -> r.ip);
  }

  public Path logFile(String namespace, String pod) {
    return logDir.resolve(namespace + "_" + pod + ".log");
  }

  private void safeTick() {
    if (closed) {
      return;
    }
    try {
      tick();
    } catch (RuntimeException e) {
      if (!closed) {
        System.out.println("testing-kubelet: sync failed, retrying: " + e);
      }
    }
  }

  private synchronized void tick() {
    List<StatefulSet> sets = client.apps().statefulSets().inAnyNamespace()
        .withLabel(MANAGED_BY_LABEL, MANAGED_BY).list().getItems();
    Set<String> wanted = new HashSet<>();
    Set<String> liveSets = new HashSet<>();
    for (StatefulSet sts : sets) {
      liveSets.add(key(sts.getMetadata().getNamespace(), sts.getMetadata().getName()));
      if (sts.getMetadata().getDeletionTimestamp() == null) {
        try {
          syncStatefulSet(sts, wanted);
        } catch (RuntimeException e) {
          // One broken StatefulSet must not stall the others, nor lose its running pods.
          String prefix = key(sts.getMetadata().getNamespace(), sts.getMetadata().getName()) + "-";
          runtimes.keySet().stream().filter(k -> k.startsWith(prefix)).forEach(wanted::add);
          System.out.println("testing-kubelet: sync of " + prefix.substring(0, prefix.length() - 1)
              + " failed, retrying: " + e.getMessage());
        }
      }
    }
    for (PodRuntime r : List.copyOf(runtimes.values())) {
      if (!wanted.contains(r.key)) {
        removePod(r.namespace, r.name);
      }
    }
    lastStatefulSetStatus.keySet().retainAll(liveSets);
  }

  private void syncStatefulSet(StatefulSet sts, Set<String> wanted) {
    String ns = sts.getMetadata().getNamespace();
    String name = sts.getMetadata().getName();
    int replicas = Objects.requireNonNullElse(sts.getSpec().getReplicas(), 1);
    String revision = revision(sts);
    Map<String, Pod> pods = new HashMap<>();
    for (Pod p : client.pods().inNamespace(ns).list().getItems()) {
      boolean ours = p.getMetadata().getOwnerReferences().stream()
          .anyMatch(o -> "StatefulSet".equals(o.getKind()) && name.equals(o.getName()));
      if (ours) {
        pods.put(p.getMetadata().getName(), p);
      }
    }
    for (Pod p : pods.values()) {
      boolean staleOwner = p.getMetadata().getOwnerReferences().stream()
          .noneMatch(o -> sts.getMetadata().getUid().equals(o.getUid()));
      if (ordinal(name, p.getMetadata().getName()) >= replicas || staleOwner) {
        removePod(ns, p.getMetadata().getName());
      }
    }

    List<PodRuntime> current = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      String podName = name + "-" + i;
      String key = key(ns, podName);
      wanted.add(key);
      Pod pod = pods.get(podName);
      if (pod != null && (pod.getMetadata().getDeletionTimestamp() != null
          || pod.getMetadata().getOwnerReferences().stream().noneMatch(o -> sts.getMetadata().getUid().equals(o.getUid())))) {
        // Deleted by someone (or left from an older StatefulSet): finish the deletion, recreate next round.
        removePod(ns, podName);
        continue;
      }
      if (pod == null) {
        pod = client.pods().inNamespace(ns).resource(newPod(sts, i, revision)).create();
      }
      PodRuntime runtime = runtimes.get(key);
      if (runtime != null && !runtime.uid.equals(pod.getMetadata().getUid())) {
        runtime.stop();
        runtimes.remove(key);
        runtime = null;
      }
      if (runtime == null) {
        runtime = new PodRuntime(pod, nextIp());
        runtimes.put(key, runtime);
      }
      runtime.revision = Objects.requireNonNullElse(pod.getMetadata().getLabels().get(REVISION_LABEL), "");
      runtime.supervise();
      runtime.ready = runtime.probe();
      writePodStatus(runtime);
      current.add(runtime);
    }

    boolean allReady = current.size() == replicas && current.stream().allMatch(r -> r.ready);
    if (allReady) {
      current.stream()
          .filter(r -> !r.revision.equals(revision))
          .max(Comparator.comparingInt(r -> ordinal(name, r.name)))
          .ifPresent(r -> {
            System.out.printf("testing-kubelet: replacing %s/%s (template changed)%n", ns, r.name);
            removePod(ns, r.name);
          });
    }
    writeStatefulSetStatus(sts, current, revision);
  }

  private Pod newPod(StatefulSet sts, int ordinal, String revision) {
    var template = sts.getSpec().getTemplate();
    String podName = sts.getMetadata().getName() + "-" + ordinal;
    Map<String, String> labels = new LinkedHashMap<>();
    if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    labels.put(POD_NAME_LABEL, podName);
    labels.put(POD_INDEX_LABEL, Integer.toString(ordinal));
    labels.put(REVISION_LABEL, revision);
    return new PodBuilder()
        .withNewMetadata()
          .withName(podName)
          .withNamespace(sts.getMetadata().getNamespace())
          .withLabels(labels)
          .withAnnotations(template.getMetadata() == null ? null : template.getMetadata().getAnnotations())
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion("apps/v1").withKind("StatefulSet")
              .withName(sts.getMetadata().getName()).withUid(sts.getMetadata().getUid())
              .withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withSpec(new PodSpecBuilder(template.getSpec())
            .withHostname(podName)
            .withSubdomain(sts.getSpec().getServiceName())
            .build())
        .build();
  }

  /** Deletes the pod at once (no kubelet will confirm a graceful deletion) and stops its process. */
  private void removePod(String ns, String podName) {
    PodRuntime r = runtimes.remove(key(ns, podName));
    if (r != null) {
      r.stop();
    }
    client.pods().inNamespace(ns).withName(podName).withGracePeriod(0).delete();
  }

  private void writePodStatus(PodRuntime r) {
    String signature = r.statusSignature();
    if (signature.equals(r.lastWrittenStatus)) {
      return;
    }
    PodStatus status = r.status();
    try {
      mergeStatus(client.pods().inNamespace(r.namespace).withName(r.name), status);
      r.lastWrittenStatus = signature;
    } catch (RuntimeException e) {
      r.lastWrittenStatus = null;
      throw e;
    }
  }

  private void writeStatefulSetStatus(StatefulSet sts, List<PodRuntime> pods, String revision) {
    int ready = (int) pods.stream().filter(r -> r.ready).count();
    int updated = (int) pods.stream().filter(r -> r.revision.equals(revision)).count();
    StatefulSetStatus status = new StatefulSetStatusBuilder()
        .withObservedGeneration(sts.getMetadata().getGeneration())
        .withReplicas(pods.size())
        .withReadyReplicas(ready)
        .withAvailableReplicas(ready)
        .withCurrentReplicas(updated)
        .withUpdatedReplicas(updated)
        .withCurrentRevision(revision)
        .withUpdateRevision(revision)
        .build();
    String key = key(sts.getMetadata().getNamespace(), sts.getMetadata().getName());
    String signature = status.toString();
    if (signature.equals(lastStatefulSetStatus.get(key)) && status.equals(sts.getStatus())) {
      return;
    }
    try {
      mergeStatus(client.apps().statefulSets().inNamespace(sts.getMetadata().getNamespace())
          .withName(sts.getMetadata().getName()), status);
      lastStatefulSetStatus.put(key, signature);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      // Deleted since the list: its pods go in the next round.
    }
  }

  /**
   * A JSON merge patch of the status subresource without a resourceVersion: this node owns the
   * status, so it must not conflict with others' concurrent label or spec changes.
   */
  private void mergeStatus(Resource<?> resource, Object status) {
    String patch = client.getKubernetesSerialization().asJson(Map.of("status", status));
    resource.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  private String revision(StatefulSet sts) {
    String json = client.getKubernetesSerialization().asJson(sts.getSpec().getTemplate());
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8));
      return sts.getMetadata().getName() + "-" + HexFormat.of().formatHex(digest, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int ordinal(String setName, String podName) {
    String suffix = podName.substring(setName.length() + 1);
    return suffix.matches("\\d+") ? Integer.parseInt(suffix) : Integer.MAX_VALUE;
  }

  /** 127.0.0.2, 127.0.0.3, …; unique per pod incarnation within this JVM. */
  private static String nextIp() {
    int n;
    do {
      n = NEXT_IP.getAndIncrement();
    } while ((n & 0xff) == 0 || (n & 0xff) == 0xff);
    return "127." + ((n >> 16) & 0xff) + "." + ((n >> 8) & 0xff) + "." + (n & 0xff);
  }

  private static String key(String ns, String name) {
    return ns + "/" + name;
  }

  /** Stops every process; pods stay in the API server as they are. */
  @Override
  public void close() {
    closed = true;
    loop.shutdownNow();
    try {
      loop.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    runtimes.values().parallelStream().forEach(PodRuntime::stop);
    runtimes.clear();
  }

  /** One pod incarnation on this node: its IP, its current process, restarts and readiness. */
  private final class PodRuntime {
    final String namespace;
    final String name;
    final String key;
    final String uid;
    final String ip;
    final Pod pod;
    final Container container;
    final Instant createdAt = Instant.now();
    Process process;
    Instant startedAt;
    Instant nextStart = Instant.EPOCH;
    Duration backoff = MIN_BACKOFF;
    int restartCount = -1;
    Integer lastExitCode;
    String startError;
    boolean ready;
    boolean stopped;
    String revision = "";
    String lastWrittenStatus;

    PodRuntime(Pod pod, String ip) {
      this.pod = pod;
      this.namespace = pod.getMetadata().getNamespace();
      this.name = pod.getMetadata().getName();
      this.key = key(namespace, name);
      this.uid = pod.getMetadata().getUid();
      this.ip = ip;
      this.container = pod.getSpec().getContainers().get(0);
    }

    /** Starts the process when there is none, restarts a dead one once its backoff has passed. */
    void supervise() {
      if (stopped || (process != null && process.isAlive())) {
        return;
      }
      Instant now = Instant.now();
      if (process != null) {
        lastExitCode = process.exitValue();
        System.out.printf("testing-kubelet: %s process %d exited with %d%n", key, process.pid(), lastExitCode);
        process = null;
        backoff = Duration.between(startedAt, now).compareTo(STABLE_RUN) > 0 ? MIN_BACKOFF : backoff;
        nextStart = now.plus(backoff);
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
      if (now.isBefore(nextStart)) {
        return;
      }
      try {
        Map<String, String> env = TestingPodEnv.resolve(
            pod, container, ip, this::lookupKey, TestingPodEnv::resolvesLocally);
        ProcessBuilder pb = new ProcessBuilder(command.command(pod, container));
        Map<String, String> processEnv = pb.environment();
        String path = processEnv.get("PATH");
        processEnv.clear();
        processEnv.put("PATH", path == null ? "/usr/bin:/bin" : path);
        processEnv.put("HOME", System.getProperty("java.io.tmpdir"));
        processEnv.putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(namespace, name).toFile()));
        process = pb.start();
        startedAt = Instant.now();
        restartCount++;
        startError = null;
        System.out.printf("testing-kubelet: %s started pid %d on %s (restarts %d)%n",
            key, process.pid(), ip, restartCount);
      } catch (IOException | RuntimeException e) {
        startError = e.getMessage();
        nextStart = now.plus(backoff);
        System.out.printf("testing-kubelet: %s cannot start: %s%n", key, e.getMessage());
      }
    }

    private Optional<String> lookupKey(String ref, String key) {
      String kind = ref.substring(0, ref.indexOf('/'));
      String refName = ref.substring(ref.indexOf('/') + 1);
      if (kind.equals("configmap")) {
        var cm = client.configMaps().inNamespace(namespace).withName(refName).get();
        return cm == null || cm.getData() == null ? Optional.empty() : Optional.ofNullable(cm.getData().get(key));
      }
      var secret = client.secrets().inNamespace(namespace).withName(refName).get();
      if (secret == null) {
        return Optional.empty();
      }
      if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
        return Optional.of(secret.getStringData().get(key));
      }
      return Optional.ofNullable(secret.getData()).map(d -> d.get(key))
          .map(v -> new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8));
    }

    /** The readiness probe's HTTP GET (default {@code /readyz} on the container port) answers 2xx. */
    boolean probe() {
      if (process == null || !process.isAlive()) {
        return false;
      }
      HTTPGetAction get = container.getReadinessProbe() == null ? null : container.getReadinessProbe().getHttpGet();
      String path = get != null && get.getPath() != null ? get.getPath() : "/readyz";
      Optional<Integer> port = get != null && get.getPort() != null ? portOf(get.getPort()) : servingPort();
      if (port.isEmpty()) {
        return false;
      }
      String scheme = get != null && "HTTPS".equalsIgnoreCase(get.getScheme()) ? "https" : "http";
      try {
        HttpResponse<Void> response = http.send(
            HttpRequest.newBuilder(URI.create(scheme + "://" + ip + ":" + port.get() + path))
                .timeout(Duration.ofSeconds(1)).GET().build(),
            HttpResponse.BodyHandlers.discarding());
        return response.statusCode() >= 200 && response.statusCode() < 400;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    private Optional<Integer> portOf(IntOrString port) {
      if (port.getIntVal() != null) {
        return Optional.of(port.getIntVal());
      }
      if (container.getPorts() == null) {
        return Optional.empty();
      }
      return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
          .map(p -> p.getContainerPort()).findFirst();
    }

    private Optional<Integer> servingPort() {
      Map<String, String> literalEnv = new HashMap<>();
      if (container.getEnv() != null) {
        container.getEnv().stream().filter(e -> e.getValue() != null)
            .forEach(e -> literalEnv.put(e.getName(), e.getValue()));
      }
      return TestingPodEnv.containerPort(container, literalEnv);
    }

    String statusSignature() {
      boolean running = process != null && process.isAlive();
      return ready + "|" + running + "|" + restartCount + "|" + (running ? process.pid() : lastExitCode) + "|" + startError;
    }

    PodStatus status() {
      boolean running = process != null && process.isAlive();
      String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      String readyStatus = ready ? "True" : "False";
      List<PodCondition> conditions = List.of(
          condition("PodScheduled", "True", createdAt.truncatedTo(ChronoUnit.SECONDS).toString()),
          condition("Initialized", "True", createdAt.truncatedTo(ChronoUnit.SECONDS).toString()),
          condition("ContainersReady", readyStatus, now),
          condition("Ready", readyStatus, now));
      ContainerStatusBuilder cs = new ContainerStatusBuilder()
          .withName(container.getName())
          .withImage(container.getImage())
          .withImageID("")
          .withReady(ready)
          .withStarted(running)
          .withRestartCount(Math.max(restartCount, 0));
      if (running) {
        cs.withContainerID("testing://" + process.pid())
            .withNewState().withNewRunning().withStartedAt(startedAt.truncatedTo(ChronoUnit.SECONDS).toString())
            .endRunning().endState();
      } else {
        cs.withNewState().withNewWaiting()
            .withReason(startError != null ? "CreateContainerError" : restartCount < 0 ? "ContainerCreating" : "CrashLoopBackOff")
            .withMessage(startError != null ? startError : lastExitCode == null ? null : "exited with " + lastExitCode)
            .endWaiting().endState();
      }
      ContainerStatus containerStatus = cs.build();
      return new PodStatusBuilder()
          .withPhase(restartCount < 0 ? "Pending" : "Running")
          .withHostIP("127.0.0.1")
          .withPodIP(ip)
          .withPodIPs(new PodIPBuilder().withIp(ip).build())
          .withStartTime(createdAt.truncatedTo(ChronoUnit.SECONDS).toString())
          .withConditions(conditions)
          .withContainerStatuses(containerStatus)
          .build();
    }

    private PodCondition condition(String type, String status, String time) {
      return new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(time).build();
    }

    /** SIGTERM (the master resigns its leadership), then SIGKILL after 5 s. */
    void stop() {
      stopped = true;
      Process p = process;
      if (p == null) {
        return;
      }
      p.destroy();
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      System.out.printf("testing-kubelet: %s stopped%n", key);
    }
  }
}
