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
import java.util.concurrent.TimeUnit;

/**
 * A real operator in its own JVM ({@code dev.crawler.Main operator --leader-election}) against the
 * API server of {@code kubeconfig}, watching one namespace, with the identity {@code POD_NAME} and
 * the Lease in {@code POD_NAMESPACE}, as deploy/operator.yaml runs it. {@link #close()} kills it.
 */
public final class TestingOperatorProcess implements AutoCloseable {
  private static final List<String> JVM_FLAGS =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx256m", "-XX:-UsePerfData");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final String identity;
  private final int healthPort;
  private final Path logFile;
  private final Process process;

  private TestingOperatorProcess(String identity, int healthPort, Path logFile, Process process) {
    this.identity = identity;
    this.healthPort = healthPort;
    this.logFile = logFile;
    this.process = process;
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
    return start(identity, kubeconfig, namespace, leaseNamespace, JVM_FLAGS);
  }

  /** Like {@link #start(String, Path, String, String)} with the given JVM flags instead of the lean test ones. */
  public static TestingOperatorProcess start(
      String identity, Path kubeconfig, String namespace, String leaseNamespace, List<String> jvmFlags)
      throws IOException {
    int port = TestingEtcd.freePort();
    Path logFile = Files.createTempFile("operator-" + identity + "-", ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.addAll(List.of(
        "-cp", System.getProperty("java.class.path"),
        "dev.crawler.Main", "operator",
        "--leader-election",
        "--namespace", namespace,
        "--lease-namespace", leaseNamespace,
        "--health-port", Integer.toString(port)));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("CRAWLER_") || k.startsWith("KUBERNETES_"));
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().put("POD_NAME", identity);
    pb.environment().put("POD_NAMESPACE", leaseNamespace);
    pb.redirectOutput(logFile.toFile());
    return new TestingOperatorProcess(identity, port, logFile, pb.start());
  }

  public String identity() {
    return identity;
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + healthPort + path);
  }

  public long pid() {
    return process.pid();
  }

  public Path logFile() {
    return logFile;
  }

  public boolean isAlive() {
    return process.isAlive();
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
      if (!process.isAlive()) {
        throw new IllegalStateException(identity + " exited with " + process.exitValue() + "; log:\n" + log());
      }
      if (status("/readyz") == 200) {
        return this;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(identity + " not ready within " + timeout + "; log:\n" + log());
  }

  /** Sends a real signal by name with kill(1). */
  public void signal(String sig) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + sig + " " + process.pid() + " failed");
    }
  }

  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(identity + " did not exit within " + timeout + "; log:\n" + log());
    }
    return process.exitValue();
  }

  public String log() {
    try {
      return Files.readString(logFile);
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
