package dev.crawler.testing;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd server process on free loopback ports with its own data directory. {@link #stop()}
 * and {@link #start()} restart it on the same data directory and ports, as an etcd restart in
 * production would. The binary is {@code $ETCD_BIN}, else {@code etcd} on PATH (Debian's
 * etcd-server package).
 *
 * <p>{@link #startWithTls} serves clients over TLS only and requires a client certificate signed by
 * the given CA ({@code --client-cert-auth}); {@link #startOnIpv6Loopback} listens on {@code [::1]}.
 * Health is read from the plain-HTTP metrics listener either way.
 */
public final class TestingEtcd implements AutoCloseable {
  private final Path dataDir;
  private final Path logFile;
  private final String host;
  private final int clientPort;
  private final int peerPort;
  private final int metricsPort;
  private final TestingCertificates tls;
  private Process process;

  private TestingEtcd(Path dataDir, String host, int clientPort, int peerPort, TestingCertificates tls)
      throws IOException {
    this.dataDir = dataDir;
    this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    this.host = host;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.metricsPort = freePort();
    this.tls = tls;
  }

  /**
   * Starts a fresh etcd and waits until it answers /health. The ports are picked before etcd binds
   * them, so another process may take one in between: then etcd exits, and a new pair is tried.
   */
  public static TestingEtcd startNew() throws IOException {
    return startNew("127.0.0.1", null);
  }

  /** A fresh etcd that speaks only TLS with certificates of {@code certs} and requires client certificates. */
  public static TestingEtcd startWithTls(TestingCertificates certs) throws IOException {
    return startNew("127.0.0.1", certs);
  }

  /** A fresh etcd listening for clients on {@code http://[::1]:port} only. */
  public static TestingEtcd startOnIpv6Loopback() throws IOException {
    return startNew("[::1]", null);
  }

  private static TestingEtcd startNew(String host, TestingCertificates tls) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      Path base = Files.createTempDirectory("testing-etcd");
      TestingEtcd etcd = new TestingEtcd(base.resolve("data"), host, freePort(), freePort(), tls);
      try {
        etcd.start();
        return etcd;
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  public String endpoint() {
    return (tls == null ? "http://" : "https://") + host + ":" + clientPort;
  }

  /** etcd's Prometheus metrics (plain HTTP, also with TLS on the client port). */
  public URI metricsUri() {
    return URI.create("http://127.0.0.1:" + metricsPort + "/metrics");
  }

  public int clientPort() {
    return clientPort;
  }

  public Path logFile() {
    return logFile;
  }

  public synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      return;
    }
    String bin = System.getenv().getOrDefault("ETCD_BIN", "etcd");
    ProcessBuilder pb =
        new ProcessBuilder(
            bin,
            "--name", "testing",
            "--data-dir", dataDir.toString(),
            "--listen-client-urls", endpoint(),
            "--advertise-client-urls", endpoint(),
            "--listen-metrics-urls", "http://127.0.0.1:" + metricsPort,
            "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
            "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
            "--initial-cluster", "testing=http://127.0.0.1:" + peerPort,
            "--log-level", "warn",
            "--logger", "zap");
    if (tls != null) {
      pb.command().addAll(List.of(
          "--cert-file", tls.cert("server").toString(),
          "--key-file", tls.key("server").toString(),
          "--trusted-ca-file", tls.ca().toString(),
          "--client-cert-auth"));
    }
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    process = pb.start();
    try {
      awaitHealthy(Duration.ofSeconds(20));
    } catch (IOException | RuntimeException e) {
      // Never leave a half-started etcd behind: nobody holds a reference to close it.
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      process = null;
      throw e;
    }
  }

  /**
   * Sends a real signal by name with kill(1): STOP freezes etcd (connections stay open, nothing is
   * answered, as with a hung server), CONT resumes it.
   */
  public synchronized void signal(String sig) throws IOException, InterruptedException {
    if (process == null) {
      throw new IllegalStateException("etcd is not running");
    }
    Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + sig + " " + process.pid() + " failed");
    }
  }

  /** Stops etcd with SIGTERM and waits for the process to exit. */
  public synchronized void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    // A frozen etcd would ignore SIGTERM until resumed.
    try {
      new ProcessBuilder("kill", "-CONT", Long.toString(process.pid())).start().waitFor();
    } catch (IOException ignored) {
      // best effort
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    process = null;
  }

  private void awaitHealthy(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("etcd exited with " + process.exitValue() + "; see " + logFile);
      }
      try {
        HttpURLConnection c =
            (HttpURLConnection) URI.create("http://127.0.0.1:" + metricsPort + "/health").toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(500);
        if (c.getResponseCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for etcd", e);
      }
    }
    throw new IOException("etcd did not become healthy within " + timeout + "; see " + logFile);
  }

  @Override
  public void close() throws Exception {
    stop();
    try (Stream<Path> walk = Files.walk(dataDir.getParent())) {
      walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
