package dev.crawler.bench;

import dev.crawler.api.KeyLayout;
import dev.crawler.api.MasterPaths;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingWorker;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * {@code make bench}'s footprint section: one master replica started from the shaded jar with the
 * image's JVM flags ({@link #MASTER_OPTIONS}, the file the image's entrypoint passes to java) and
 * a class data sharing archive built by the image's own script ({@link #CDS_SCRIPT}); side by side,
 * the flags the image used before ({@link #PREVIOUS_FLAGS}). Per variant: time from process start
 * to {@code /readyz} 200 on the probe port (the replica campaigns), RSS after idling as the only
 * replica, and RSS while leading {@link #RESOURCES} resources over {@link #WORKERS} workers.
 * {@code BENCH_FOOTPRINT_LADDER=1} also measures each flag on its own ({@link #ladder}).
 */
public final class FootprintBench {
  public static final Path MASTER_OPTIONS = Path.of("image", "master.jvm.options");
  public static final Path CDS_SCRIPT = Path.of("image", "cds-archive");
  /** The image's ENTRYPOINT flags before {@link #MASTER_OPTIONS}: heap 75% of RAM, the JVM's default GC. */
  static final List<String> PREVIOUS_FLAGS =
      List.of("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError",
          "-XX:ErrorFile=/tmp/hs_err_pid%p.log", "-Djava.io.tmpdir=/tmp", "-Duser.home=/tmp");
  /**
   * The memory the JVM sees in a pod with the StatefulSet's default limit (256Mi): the image's flags
   * size the heap as a share of it, so outside a container the bench tells the JVM the same figure.
   */
  static final String CONTAINER_LIMIT = "-XX:MaxRAM=256m";
  static final int RESOURCES = 1000;
  static final int WORKERS = 20;
  static final double RSS_IDLE_LIMIT_MIB = 96;
  static final double RSS_LEADING_LIMIT_MIB = 128;
  static final double START_LIMIT_MS = 1000;
  /** Long enough for start-up garbage to be collected and the JIT to go quiet. */
  private static final Duration IDLE = Duration.ofSeconds(10);
  private static final Duration READY_WITHIN = Duration.ofSeconds(30);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1).build();

  /** How many times to start each variant, and on how many of those starts to sample idle RSS. */
  record Plan(int starts, int idleSamples) {
    static final Plan FULL = new Plan(10, 3);
    static final Plan QUICK = new Plan(5, 2);
    static final Plan LADDER = new Plan(3, 2);
  }

  /** A set of JVM arguments placed before {@code -jar}. */
  record Variant(String name, List<String> jvmArgs) {}

  private final TestingEtcd etcd;
  private final Client client;
  private final Path jar;
  private final Path dir;
  private final AtomicInteger replicas = new AtomicInteger();
  private Path archive;

  FootprintBench(TestingEtcd etcd, Client client, Path jar, Path dir) {
    this.etcd = etcd;
    this.client = client;
    this.jar = jar.toAbsolutePath();
    this.dir = dir.toAbsolutePath();
  }

  /**
   * Measures the image's and the previous flags (and the ladder when asked) and puts them into the
   * report as the {@code footprint} object, with the targets and whether each was met.
   */
  static void section(Report report, TestingEtcd etcd, Client client, boolean quick, Path dir) {
    System.out.println("== footprint");
    Plan plan = quick ? Plan.QUICK : Plan.FULL;
    Map<String, Object> out = new LinkedHashMap<>();
    List<String> lines = new ArrayList<>();
    try {
      FootprintBench bench = new FootprintBench(etcd, client, shadedJar(), dir);
      out.put("flags", masterFlags());
      out.put("flags_file", MASTER_OPTIONS.toString());
      out.put("cds_archive", "built by " + CDS_SCRIPT + " for this JVM and jar");
      out.put("load_before", Bench.loadAverage());
      Map<String, Object> image = bench.measure(bench.image(), plan, true);
      out.put("load_after_image", Bench.loadAverage());
      Map<String, Object> previous = bench.measure(bench.previous(), plan, true);
      out.put("load_after_previous", Bench.loadAverage());
      out.putAll(image);
      out.put("previous", previous);
      out.put("targets", targets(image));
      if ("1".equals(System.getenv("BENCH_FOOTPRINT_LADDER"))) {
        Map<String, Object> ladder = new LinkedHashMap<>();
        for (Variant v : bench.ladder()) {
          Map<String, Object> m = bench.measure(v, Plan.LADDER, false);
          m.put("load", Bench.loadAverage());
          ladder.put(v.name(), m);
          lines.add(String.format("ladder %-60s %s", v.name(), summary(m)));
        }
        out.put("ladder", ladder);
      }
      lines.add(String.format("%-20s %s", "footprint image", summary(image)));
      lines.add(String.format("%-20s %s", "footprint previous", summary(previous)));
      lines.add("footprint targets    " + out.get("targets"));
      report.section("footprint", out, lines);
    } catch (Exception e) {
      e.printStackTrace();
      report.fail("footprint", e.toString());
    }
  }

  @SuppressWarnings("unchecked")
  private static String summary(Map<String, Object> m) {
    Map<String, Object> start = (Map<String, Object>) m.get("master_start_to_campaign_ms");
    Map<String, Object> rss = (Map<String, Object>) m.get("master_rss_mib");
    return String.format("start p50 %s p99 %s ms, idle RSS %s MiB%s, %s threads", start.get("p50"), start.get("p99"),
        rss.get("p50"), m.containsKey("master_rss_leading_mib")
            ? ", leading RSS " + m.get("master_rss_leading_mib") + " MiB (peak " + m.get("master_rss_leading_peak_mib") + ")"
            : "",
        m.get("threads_idle"));
  }

  /** The issue's goals for the image's flags, each with its value and whether it was met. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> targets(Map<String, Object> image) {
    Map<String, Object> start = (Map<String, Object>) image.get("master_start_to_campaign_ms");
    Map<String, Object> rss = (Map<String, Object>) image.get("master_rss_mib");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("master_rss_idle_below_96mib", target((Double) rss.get("max"), RSS_IDLE_LIMIT_MIB));
    out.put("master_rss_leading_below_128mib",
        target((Double) image.get("master_rss_leading_mib"), RSS_LEADING_LIMIT_MIB));
    out.put("master_start_to_campaign_p50_below_1000ms", target((Double) start.get("p50"), START_LIMIT_MS));
    out.put("master_start_to_campaign_p99_below_1000ms", target((Double) start.get("p99"), START_LIMIT_MS));
    return out;
  }

  private static Map<String, Object> target(double value, double limit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("value", value);
    m.put("limit", limit);
    m.put("met", value < limit);
    return m;
  }

  /** The shaded jar {@code mvn package} wrote into target/. */
  static Path shadedJar() throws IOException {
    List<Path> jars = new ArrayList<>();
    try (DirectoryStream<Path> found = Files.newDirectoryStream(Path.of("target"), "crawler-master-*.jar")) {
      found.forEach(jars::add);
    }
    if (jars.size() != 1) {
      throw new IllegalStateException("expected one shaded jar in target/ (mvn package), found " + jars);
    }
    return jars.get(0);
  }

  /** The flags of {@link #MASTER_OPTIONS} as java reads an argument file: # starts a comment. */
  static List<String> masterFlags() throws IOException {
    return Files.readAllLines(MASTER_OPTIONS).stream()
        .map(line -> line.replaceFirst("#.*", "").trim())
        .filter(line -> !line.isEmpty())
        .flatMap(line -> Arrays.stream(line.split("\\s+")))
        .collect(Collectors.toList());
  }

  /** The image's variant: the options file itself, and the archive built the image's way. */
  Variant image() throws IOException, InterruptedException {
    return new Variant("image", List.of(CONTAINER_LIMIT, "@" + MASTER_OPTIONS.toAbsolutePath(),
        "-XX:SharedArchiveFile=" + archive()));
  }

  Variant previous() {
    return new Variant("previous", PREVIOUS_FLAGS);
  }

  /** Built once per run with {@link #CDS_SCRIPT}, for this JVM and this jar. */
  Path archive() throws IOException, InterruptedException {
    if (archive == null) {
      Files.createDirectories(dir);
      Path out = dir.resolve("master.jsa");
      ProcessBuilder pb = new ProcessBuilder(
          "sh", CDS_SCRIPT.toAbsolutePath().toString(), jar.toString(), out.toString(),
          MASTER_OPTIONS.toAbsolutePath().toString())
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("cds-archive.log").toFile());
      pb.environment().put("JAVA", java());
      Process p = pb.start();
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException("building the CDS archive failed; see " + dir.resolve("cds-archive.log"));
      }
      archive = out;
    }
    return archive;
  }

  /**
   * Starts, idle RSS and (if {@code leading}) RSS while leading, as the results.json object of
   * one variant: its flags, {@code master_start_to_campaign_ms}, {@code master_rss_mib}, and
   * {@code master_rss_leading_mib}.
   */
  Map<String, Object> measure(Variant variant, Plan plan, boolean leading) throws Exception {
    System.out.printf("footprint %s: %s%n", variant.name(), variant.jvmArgs());
    List<Double> startMs = new ArrayList<>();
    List<Double> idleRss = new ArrayList<>();
    int threads = 0;
    for (int i = 0; i < plan.starts(); i++) {
      try (Replica r = Replica.start(this, variant)) {
        startMs.add(r.awaitReady());
        if (i < plan.idleSamples()) {
          Thread.sleep(IDLE.toMillis());
          idleRss.add(Stats.round(ProcessFootprint.rssMiB(r.pid())));
          threads = (int) ProcessFootprint.threads(r.pid());
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("jvm_args", variant.jvmArgs());
    out.put("master_start_to_campaign_ms", Stats.of(startMs).toJson());
    out.put("master_rss_mib", rounded(Stats.of(idleRss)));
    out.put("threads_idle", threads);
    if (leading) {
      out.putAll(leading(variant));
    }
    return out;
  }

  /** One replica leading {@link #RESOURCES} resources assigned over {@link #WORKERS} workers. */
  private Map<String, Object> leading(Variant variant) throws Exception {
    try (Replica r = Replica.start(this, variant)) {
      r.awaitReady();
      awaitLeader(r);
      List<TestingWorker> workers = new ArrayList<>();
      try {
        for (int w = 0; w < WORKERS; w++) {
          workers.add(TestingWorker.register(client, new KeyLayout(r.prefix), "worker-" + w, 30));
        }
        for (int i = 0; i < RESOURCES; i++) {
          String body = "{\"name\":\"r" + i + "\",\"url\":\"https://example.com/r" + i + "\"}";
          HttpResponse<String> answer = r.post(MasterPaths.RESOURCES, body);
          if (answer.statusCode() != 201) {
            throw new IllegalStateException("POST resource r" + i + ": " + answer.statusCode() + " " + answer.body());
          }
        }
        int listed = countNames(r.get(MasterPaths.RESOURCES).body());
        if (listed != RESOURCES) {
          throw new IllegalStateException("the leader lists " + listed + " resources, expected " + RESOURCES);
        }
        Thread.sleep(IDLE.toMillis());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("master_rss_leading_mib", Stats.round(ProcessFootprint.rssMiB(r.pid())));
        out.put("master_rss_leading_peak_mib", Stats.round(ProcessFootprint.peakRssMiB(r.pid())));
        out.put("threads_leading", ProcessFootprint.threads(r.pid()));
        return out;
      } finally {
        for (TestingWorker w : workers) {
          w.close();
        }
      }
    }
  }

  private static void awaitLeader(Replica r) throws Exception {
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      if (r.get(MasterPaths.LEADER).body().replace(" ", "").contains("\"role\":\"leader\"")) {
        return;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(r.id + " did not lead within " + READY_WITHIN);
  }

  private static int countNames(String json) {
    int n = 0;
    for (int i = json.indexOf("\"name\""); i >= 0; i = json.indexOf("\"name\"", i + 1)) {
      n++;
    }
    return n;
  }

  /**
   * BENCH_FOOTPRINT_LADDER=1: the previous flags, then one change at a time, so each flag's share
   * of the saving shows (docs/benchmarks.md's table).
   */
  List<Variant> ladder() throws IOException, InterruptedException {
    List<List<String>> steps = List.of(
        List.of("-XX:+UseSerialGC"),
        List.of(CONTAINER_LIMIT, "-XX:MinRAMPercentage=25", "-XX:MaxRAMPercentage=25"),
        List.of("-Xms16m"),
        List.of("-XX:MaxMetaspaceSize=64m", "-XX:ReservedCodeCacheSize=32m"),
        List.of("-XX:TieredStopAtLevel=1"),
        List.of("-Dio.netty.allocator.type=unpooled", "-XX:MaxDirectMemorySize=16m"),
        List.of("-XX:SharedArchiveFile=" + archive()),
        List.of("-Xss256k"));
    List<Variant> out = new ArrayList<>();
    List<String> flags = new ArrayList<>(PREVIOUS_FLAGS);
    flags.remove("-XX:MaxRAMPercentage=75");
    out.add(previous());
    for (List<String> step : steps) {
      flags.addAll(step);
      out.add(new Variant("+ " + String.join(" ", step).replace(archive().toString(), "master.jsa"),
          List.copyOf(flags)));
    }
    return out;
  }

  private static Map<String, Object> rounded(Stats s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p50", Stats.round(s.p50()));
    m.put("max", Stats.round(s.max()));
    m.put("n", s.n());
    return m;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** One master process from the shaded jar, in a cluster of its own (a fresh key prefix). */
  private static final class Replica implements AutoCloseable {
    final String id;
    final String prefix;
    final int port;
    final int probePort;
    final long startedNanos;
    final Process process;

    private Replica(String id, String prefix, int port, int probePort, long startedNanos, Process process) {
      this.id = id;
      this.prefix = prefix;
      this.port = port;
      this.probePort = probePort;
      this.startedNanos = startedNanos;
      this.process = process;
    }

    static Replica start(FootprintBench bench, Variant variant) throws IOException {
      String id = "fp-" + bench.replicas.incrementAndGet();
      String prefix = "/crawler/footprint/" + id;
      int port = TestingEtcd.freePort();
      int probePort = TestingEtcd.freePort();
      List<String> cmd = new ArrayList<>();
      cmd.add(java());
      cmd.addAll(variant.jvmArgs());
      cmd.addAll(List.of(
          "-jar", bench.jar.toString(), "master",
          "--id", id,
          "--bind", "127.0.0.1",
          "--port", Integer.toString(port),
          "--probe-port", Integer.toString(probePort),
          "--advertise-address", "127.0.0.1:" + port,
          "--etcd-endpoints", bench.etcd.endpoint(),
          "--prefix", prefix,
          "--lease-ttl", "5"));
      Files.createDirectories(bench.dir);
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(bench.dir.resolve("masters.log").toFile()));
      pb.environment().keySet().removeIf(
          k -> k.startsWith("CRAWLER_") || k.equals("POD_NAME") || k.startsWith("ETCD_") || k.startsWith("JAVA_TOOL"));
      long started = System.nanoTime();
      return new Replica(id, prefix, port, probePort, started, pb.start());
    }

    /** Milliseconds from process start to the first {@code /readyz} 200 on the probe port. */
    double awaitReady() throws Exception {
      long deadline = startedNanos + READY_WITHIN.toNanos();
      HttpRequest readyz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + probePort + MasterPaths.READYZ))
          .timeout(Duration.ofMillis(500)).GET().build();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(id + " exited with " + process.exitValue() + " (log: masters.log)");
        }
        try {
          if (HTTP.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return (System.nanoTime() - startedNanos) / 1e6;
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        Thread.sleep(5);
      }
      throw new IllegalStateException(id + " not ready within " + READY_WITHIN);
    }

    long pid() {
      return process.pid();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
      return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
      return HTTP.send(
          HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
          HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
      return URI.create("http://127.0.0.1:" + port + path);
    }

    /** SIGTERM: the replica resigns and exits; SIGKILL if it does not within 10 s. */
    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }
}
