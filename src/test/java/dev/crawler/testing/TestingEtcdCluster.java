package dev.crawler.testing;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A real etcd cluster of several member processes (the same binary as {@link TestingEtcd}), each
 * with its own data directory. Clients listen on {@code host} (loopback, or an address on a bridge
 * that network namespaces reach); peers and metrics on 127.0.0.1. A member killed with {@link
 * #kill} and started again with {@link #start} rejoins from its data directory, as a restarted
 * etcd member in production would. History is never compacted, so a whole run can be replayed.
 */
public final class TestingEtcdCluster implements AutoCloseable {
  private final Path base;
  private final String host;
  private final List<Member> members;

  private static final class Member {
    final String name;
    final int clientPort;
    final int peerPort;
    final int metricsPort;
    Process process;

    Member(String name, int clientPort, int peerPort, int metricsPort) {
      this.name = name;
      this.clientPort = clientPort;
      this.peerPort = peerPort;
      this.metricsPort = metricsPort;
    }
  }

  private TestingEtcdCluster(Path base, String host, List<Member> members) {
    this.base = base;
    this.host = host;
    this.members = members;
  }

  /** Starts {@code size} members with clients on {@code host} and waits until every one is healthy. */
  public static TestingEtcdCluster start(String host, int size, String namePrefix) throws IOException {
    Path base = Files.createTempDirectory("testing-etcd-cluster");
    List<Member> members = new ArrayList<>();
    Set<Integer> taken = new HashSet<>();
    for (int i = 0; i < size; i++) {
      members.add(new Member(namePrefix + i,
          portBelowEphemeralRange(taken), portBelowEphemeralRange(taken), portBelowEphemeralRange(taken)));
    }
    TestingEtcdCluster cluster = new TestingEtcdCluster(base, host, members);
    try {
      for (int i = 0; i < size; i++) {
        cluster.launch(i);
      }
      for (int i = 0; i < size; i++) {
        cluster.awaitHealthy(i, Duration.ofSeconds(30));
      }
    } catch (IOException | RuntimeException e) {
      cluster.stopAll();
      throw e;
    }
    return cluster;
  }

  /**
   * A port below the kernel's ephemeral range that nothing listens on. A port from that range (what
   * binding port 0 gives) can become the source port of any outgoing connection between being chosen
   * and etcd binding it, or while a killed member is down: a member once failed to start with
   * "address already in use" so. Members keep their ports across restarts, so they stay out of it.
   */
  static int portBelowEphemeralRange(Set<Integer> taken) throws IOException {
    int ephemeralStart = 32768;
    try {
      ephemeralStart = Integer.parseInt(
          Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException unreadable) {
      // Linux's default start of the range
    }
    int low = Math.max(1024, ephemeralStart - 12000);
    for (int attempt = 0; attempt < 500; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(low, ephemeralStart);
      if (taken.contains(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(port));
        taken.add(port);
        return port;
      } catch (IOException inUse) {
        // try another
      }
    }
    throw new IOException("no free port between " + low + " and " + ephemeralStart);
  }

  public int size() {
    return members.size();
  }

  /** All client endpoints, comma-separated, as a master's {@code --etcd-endpoints} takes them. */
  public String endpoints() {
    return IntStream.range(0, members.size()).mapToObj(this::endpoint).collect(Collectors.joining(","));
  }

  public String endpoint(int i) {
    return "http://" + host + ":" + members.get(i).clientPort;
  }

  public List<Integer> clientPorts() {
    return members.stream().map(m -> m.clientPort).toList();
  }

  public String name(int i) {
    return members.get(i).name;
  }

  public Path logFile(int i) {
    return base.resolve(members.get(i).name + ".log");
  }

  /** The process id of member {@code i}, or -1 while it is not running. */
  public synchronized long pid(int i) {
    Process p = members.get(i).process;
    return p == null ? -1 : p.pid();
  }

  public synchronized boolean isRunning(int i) {
    Process p = members.get(i).process;
    return p != null && p.isAlive();
  }

  /** Starts member {@code i} again (a no-op while it runs) and waits until it is healthy. */
  public void start(int i) throws IOException {
    synchronized (this) {
      if (isRunning(i)) {
        return;
      }
      launch(i);
    }
    awaitHealthy(i, Duration.ofSeconds(30));
  }

  /** SIGKILLs member {@code i}, as a crash would, and waits for the process to go. */
  public void kill(int i) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = members.get(i).process;
      members.get(i).process = null;
    }
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The member that is raft leader right now, from each member's {@code etcd_server_is_leader} metric. */
  public Optional<Integer> leader() {
    for (int i = 0; i < members.size(); i++) {
      if (isRunning(i) && metric(i, "etcd_server_is_leader").filter(v -> v == 1.0).isPresent()) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  private void launch(int i) throws IOException {
    Member m = members.get(i);
    String initialCluster = members.stream()
        .map(o -> o.name + "=http://127.0.0.1:" + o.peerPort)
        .collect(Collectors.joining(","));
    String bin = System.getenv().getOrDefault("ETCD_BIN", "etcd");
    ProcessBuilder pb = new ProcessBuilder(
        bin,
        "--name", m.name,
        "--data-dir", base.resolve(m.name).toString(),
        "--listen-client-urls", endpoint(i),
        "--advertise-client-urls", endpoint(i),
        "--listen-metrics-urls", "http://127.0.0.1:" + m.metricsPort,
        "--listen-peer-urls", "http://127.0.0.1:" + m.peerPort,
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + m.peerPort,
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", "new",
        "--initial-cluster-token", base.getFileName().toString(),
        "--log-level", "warn",
        "--logger", "zap");
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(i).toFile()));
    m.process = pb.start();
  }

  private void awaitHealthy(int i, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Process p = members.get(i).process;
      if (p == null || !p.isAlive()) {
        throw new IOException("etcd member " + name(i) + " exited; see " + logFile(i));
      }
      if (get(i, "/health").filter(body -> body.contains("\"true\"")).isPresent()) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for etcd member " + name(i), e);
      }
    }
    throw new IOException("etcd member " + name(i) + " not healthy within " + timeout + "; see " + logFile(i));
  }

  private Optional<Double> metric(int i, String name) {
    return get(i, "/metrics").flatMap(text -> text.lines()
        .filter(l -> l.startsWith(name + " "))
        .map(l -> Double.parseDouble(l.substring(name.length() + 1).trim()))
        .findFirst());
  }

  private Optional<String> get(int i, String path) {
    try {
      HttpURLConnection c = (HttpURLConnection)
          URI.create("http://127.0.0.1:" + members.get(i).metricsPort + path).toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(1000);
      if (c.getResponseCode() != 200) {
        return Optional.empty();
      }
      try (var in = c.getInputStream()) {
        return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private void stopAll() {
    for (int i = 0; i < members.size(); i++) {
      try {
        kill(i);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Kills every member and removes the data directories and logs. */
  @Override
  public void close() throws IOException {
    stopAll();
    try (Stream<Path> walk = Files.walk(base)) {
      walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
