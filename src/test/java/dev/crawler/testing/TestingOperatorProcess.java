package dev.crawler.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real operator in its own JVM ({@code dev.crawler.Main operator --leader-election}) against the
 * API server of {@code kubeconfig}, watching one namespace, with the identity {@code POD_NAME} and
 * the Lease in {@code POD_NAMESPACE}, as deploy/operator.yaml runs it. {@link #close()} kills it.
 */
public final class TestingOperatorProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final String identity;
  private final int healthPort;
  private final TestingJvm.Child jvm;

  private TestingOperatorProcess(String identity, int healthPort, TestingJvm.Child jvm) {
    this.identity = identity;
    this.healthPort = healthPort;
    this.jvm = jvm;
  }

  public static TestingOperatorProcess start(String identity, Path kubeconfig, String namespace) throws IOException {
    return start(identity, kubeconfig, namespace, namespace);
  }

  /**
   * Like {@link #start(String, Path, String)} with the Lease in {@code leaseNamespace}
   * ({@code --lease-namespace} and {@code POD_NAMESPACE}), as when the operator runs in its own
   * namespace and watches another.
   */
  public static TestingOperatorProcess start(String identity, Path kubeconfig, String namespace, String leaseNamespace)
      throws IOException {
    return start(identity, kubeconfig, namespace, leaseNamespace, TestingJvm.OPERATOR_JVM_FLAGS);
  }

  /** Like {@link #start(String, Path, String, String)} with the given JVM flags instead of the lean test ones. */
  public static TestingOperatorProcess start(
      String identity, Path kubeconfig, String namespace, String leaseNamespace, List<String> jvmFlags)
      throws IOException {
    int port = TestingEtcd.freePort();
    Path logFile = Files.createTempFile("operator-" + identity + "-", ".log");
    List<String> args = List.of(
        "operator",
        "--leader-election",
        "--namespace", namespace,
        "--lease-namespace", leaseNamespace,
        "--health-port", Integer.toString(port));
    Map<String, String> env = Map.of(
        "KUBECONFIG", kubeconfig.toString(), "POD_NAME", identity, "POD_NAMESPACE", leaseNamespace);
    return new TestingOperatorProcess(
        identity, port, TestingJvm.start("operator " + identity, List.of(), jvmFlags, args, env, logFile));
  }

  public String identity() {
    return identity;
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + healthPort + path);
  }

  public long pid() {
    return jvm.pid();
  }

  public Path logFile() {
    return jvm.logFile();
  }

  public boolean isAlive() {
    return jvm.isAlive();
  }

  /** HTTP status of {@code GET path} on the health port; -1 when it does not answer. */
  public int status(String path) throws InterruptedException {
    try {
      return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  /** Waits until {@code /readyz} answers 200 (informers started and synced). */
  public TestingOperatorProcess awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      jvm.requireAlive();
      if (status("/readyz") == 200) {
        return this;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(identity + " not ready within " + timeout + "; log:\n" + log());
  }

  /** Sends a real signal by name (TERM, KILL, STOP, CONT, ...) with kill(1). */
  public void signal(String sig) throws IOException, InterruptedException {
    jvm.signal(sig);
  }

  /** Waits for the process to exit; returns its exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    return jvm.awaitExit(timeout);
  }

  /** The log so far (for failure messages). */
  public String log() {
    return jvm.log();
  }

  /** Kills the process with SIGKILL (works on a stopped process too) and waits for it. */
  @Override
  public void close() throws Exception {
    jvm.close();
  }
}
