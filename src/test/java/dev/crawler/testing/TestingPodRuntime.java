package dev.crawler.testing;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The process-runtime half of {@link TestingKubelet}: one pod incarnation on this node, run as a
 * local process instead of a container. It owns the pod's IP and current process, restarts a dead
 * process with backoff (restartPolicy Always), answers the readiness probe, and renders the pod
 * status a kubelet would report. The StatefulSet-controller half decides which pods exist.
 */
final class TestingPodRuntime {
  private static final Duration MIN_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(8);
  /** A process that ran this long before dying restarts without accumulated backoff. */
  private static final Duration STABLE_RUN = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final HttpClient http;
  private final TestingKubelet.PodCommand command;
  private final Path logFile;

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

  TestingPodRuntime(
      KubernetesClient client, HttpClient http, TestingKubelet.PodCommand command, Path logFile, Pod pod, String ip) {
    this.client = client;
    this.http = http;
    this.command = command;
    this.logFile = logFile;
    this.pod = pod;
    this.namespace = pod.getMetadata().getNamespace();
    this.name = pod.getMetadata().getName();
    this.key = namespace + "/" + name;
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
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
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
