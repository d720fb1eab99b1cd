package dev.crawler.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.api.MasterPaths;
import dev.crawler.support.Json;
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
import java.util.stream.Stream;

/**
 * A real crawl worker in its own JVM ({@code dev.crawler.Main worker ...}) on a free loopback port,
 * writing pages into its own output directory (stdout off) and its log into a file. Crawl delay 0
 * and private targets allowed unless {@code extraArgs} (flag and value pairs) say otherwise.
 */
public final class TestingWorkerProcess implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1).build();

  private final String id;
  private final int port;
  private final Path outputDir;
  private final TestingJvm.Child jvm;

  private TestingWorkerProcess(String id, int port, Path outputDir, TestingJvm.Child jvm) {
    this.id = id;
    this.port = port;
    this.outputDir = outputDir;
    this.jvm = jvm;
  }

  public static TestingWorkerProcess start(String id, String etcdEndpoints, String prefix, int leaseTtlSeconds,
      List<String> extraArgs) throws IOException {
    return start(id, etcdEndpoints, prefix, leaseTtlSeconds, extraArgs,
        Files.createTempDirectory("worker-" + id + "-pages-"), Files.createTempFile("worker-" + id + "-", ".log"));
  }

  public static TestingWorkerProcess start(String id, String etcdEndpoints, String prefix, int leaseTtlSeconds,
      List<String> extraArgs, Path outputDir, Path logFile) throws IOException {
    int port = TestingEtcd.freePort();
    // Flags as pairs; one in extraArgs replaces the default of the same name.
    java.util.LinkedHashMap<String, String> flags = new java.util.LinkedHashMap<>();
    flags.put("--id", id);
    flags.put("--bind", "127.0.0.1");
    flags.put("--port", Integer.toString(port));
    flags.put("--etcd-endpoints", etcdEndpoints);
    flags.put("--prefix", prefix);
    flags.put("--lease-ttl", Integer.toString(leaseTtlSeconds));
    flags.put("--output-dir", outputDir.toString());
    flags.put("--output-stdout", "false");
    flags.put("--crawl-delay-ms", "0");
    flags.put("--allow-private-targets", "true");
    for (int i = 0; i + 1 < extraArgs.size(); i += 2) {
      flags.put(extraArgs.get(i), extraArgs.get(i + 1));
    }
    List<String> args = new ArrayList<>(List.of("worker"));
    flags.forEach((k, v) -> {
      args.add(k);
      args.add(v);
    });
    return new TestingWorkerProcess(
        id, port, outputDir, TestingJvm.start(id, List.of(), TestingJvm.SMALL_JVM_FLAGS, args, Map.of(), logFile));
  }

  public String id() {
    return id;
  }

  public long pid() {
    return jvm.pid();
  }

  public boolean isAlive() {
    return jvm.isAlive();
  }

  public Path outputDir() {
    return outputDir;
  }

  /** Waits until {@code GET /readyz} answers 200: registered and following its assignments. */
  public TestingWorkerProcess awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      jvm.requireAlive();
      if (status(MasterPaths.READYZ) == 200) {
        return this;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(id + " not ready within " + timeout + "; log:\n" + log());
  }

  /** The HTTP status of {@code GET path}, 0 when there is no answer. */
  public int status(String path) throws InterruptedException {
    return get(path).statusCode();
  }

  /** The body of {@code GET /metrics}. */
  public String metrics() throws InterruptedException {
    return get(MasterPaths.METRICS).body();
  }

  private HttpResponse<String> get(String path) throws InterruptedException {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofMillis(1000)).GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return new NoAnswer();
    }
  }

  /** Every page line this worker wrote so far, oldest first. */
  public List<JsonNode> pages() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(outputDir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
    }
    for (Path f : files) {
      for (String line : Files.readAllLines(f)) {
        if (!line.isBlank()) {
          out.add(Json.MAPPER.readTree(line));
        }
      }
    }
    return out;
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

  /** What {@link #get} returns when nothing answers. */
  private static final class NoAnswer implements HttpResponse<String> {
    @Override public int statusCode() { return 0; }
    @Override public HttpRequest request() { return null; }
    @Override public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
    @Override public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true); }
    @Override public String body() { return ""; }
    @Override public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return java.util.Optional.empty(); }
    @Override public URI uri() { return null; }
    @Override public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
  }
}
