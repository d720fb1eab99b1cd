package dev.crawler.testing;

import dev.crawler.support.Threads;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
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
 * This class is the StatefulSet-controller half; each pod's process is a {@link TestingPodRuntime}.
 */
public final class TestingKubelet implements AutoCloseable {
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "crawler-operator";
  public static final String REVISION_LABEL = "controller-revision-hash";
  public static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
  public static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

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
  private final Map<String, TestingPodRuntime> runtimes = new ConcurrentHashMap<>();
  private final Map<String, String> lastStatefulSetStatus = new HashMap<>();
  private volatile boolean closed;

  private TestingKubelet(KubernetesClient client, Path logDir, PodCommand command) {
    this.client = client;
    this.logDir = logDir;
    this.command = command;
    this.loop = Threads.singleScheduler("testing-kubelet");
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
    for (TestingPodRuntime r : List.copyOf(runtimes.values())) {
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

    List<TestingPodRuntime> current = new ArrayList<>();
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
      TestingPodRuntime runtime = runtimes.get(key);
      if (runtime != null && !runtime.uid.equals(pod.getMetadata().getUid())) {
        runtime.stop();
        runtimes.remove(key);
        runtime = null;
      }
      if (runtime == null) {
        runtime = new TestingPodRuntime(client, http, command, logFile(ns, podName), pod, nextIp());
        runtimes.put(key, runtime);
      }
      runtime.revision = Objects.requireNonNullElse(pod.getMetadata().getLabels().get(REVISION_LABEL), "");
      runtime.supervise();
      runtime.ready = runtime.probe();
      writePodStatus(runtime);
      current.add(runtime);
    }

    boolean allReady = current.size() == replicas && current.stream().allMatch(r -> r.ready);
    // OnDelete: pods take a new template only when someone deletes them, as the real controller does.
    boolean onDelete = sts.getSpec().getUpdateStrategy() != null
        && "OnDelete".equals(sts.getSpec().getUpdateStrategy().getType());
    if (allReady && !onDelete) {
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
    TestingPodRuntime r = runtimes.remove(key(ns, podName));
    if (r != null) {
      r.stop();
    }
    client.pods().inNamespace(ns).withName(podName).withGracePeriod(0).delete();
  }

  private void writePodStatus(TestingPodRuntime r) {
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

  private void writeStatefulSetStatus(StatefulSet sts, List<TestingPodRuntime> pods, String revision) {
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
    runtimes.values().parallelStream().forEach(TestingPodRuntime::stop);
    runtimes.clear();
  }
}
