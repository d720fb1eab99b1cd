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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd server process on free loopback ports with its own data directory. {@link #stop()}
 * and {@link #start()} restart it on the same data directory and ports, as an etcd restart in
 * production would. The binary is {@code $ETCD_BIN}, else {@code etcd} on PATH (Debian's
 * etcd-server package).
 */
public final class TestingEtcd implements AutoCloseable {
  private final Path dataDir;
  private final Path logFile;
  private final int clientPort;
  private final int peerPort;
  private Process process;

  private TestingEtcd(Path dataDir, int clientPort, int peerPort) {
    this.dataDir = dataDir;
    this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    this.clientPort = clientPort;
    this.peerPort = peerPort;
  }

  /** Starts a fresh etcd and waits until it answers /health. */
  public static TestingEtcd startNew() throws IOException {
    Path base = Files.createTempDirectory("testing-etcd");
    TestingEtcd etcd = new TestingEtcd(base.resolve("data"), freePort(), freePort());
    etcd.start();
    return etcd;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + clientPort;
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
            "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
            "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
            "--initial-cluster", "testing=http://127.0.0.1:" + peerPort,
            "--log-level", "warn",
            "--logger", "zap");
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    process = pb.start();
    awaitHealthy(Duration.ofSeconds(20));
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
            (HttpURLConnection) URI.create(endpoint() + "/health").toURL().openConnection();
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
