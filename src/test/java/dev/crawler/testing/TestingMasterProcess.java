package dev.crawler.testing;

import dev.crawler.api.MasterPaths;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real master replica in its own JVM ({@code dev.crawler.Main master ...}) on a free loopback
 * port, with its output in a log file. Use {@link #signal(String)} for real signals (TERM, KILL,
 * STOP, CONT) and the HTTP helpers to talk to it. {@link #close()} kills it if still alive.
 */
public final class TestingMasterProcess implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1).build();

  private final String id;
  private final String host;
  private final int port;
  private final TestingJvm.Child jvm;

  private TestingMasterProcess(String id, String host, int port, TestingJvm.Child jvm) {
    this.id = id;
    this.host = host;
    this.port = port;
    this.jvm = jvm;
  }

  /** Starts a replica; does not wait for it (see {@link #awaitReady(Duration)}). */
  public static TestingMasterProcess start(String id, String etcdEndpoints, String prefix, int leaseTtlSeconds)
      throws IOException {
    return start(id, etcdEndpoints, prefix, leaseTtlSeconds, List.of());
  }

  /** Like {@link #start(String, String, String, int)}, with more {@code master} flags (e.g. {@code --probe-leader=false}). */
  public static TestingMasterProcess start(
      String id, String etcdEndpoints, String prefix, int leaseTtlSeconds, List<String> extraArgs) throws IOException {
    return start(
        List.of(), "127.0.0.1", TestingEtcd.freePort(), id, etcdEndpoints, prefix, leaseTtlSeconds, extraArgs,
        Files.createTempFile("master-" + id + "-", ".log"));
  }

  /**
   * A replica serving on {@code host:port}, started through {@code launcher} (e.g. {@code ip netns
   * exec <ns>}, which execs the JVM in place, so signals still reach the replica itself). The log is
   * appended to {@code logFile}, so a restarted replica continues the same log.
   */
  public static TestingMasterProcess start(
      List<String> launcher,
      String host,
      int port,
      String id,
      String etcdEndpoints,
      String prefix,
      int leaseTtlSeconds,
      List<String> extraArgs,
      Path logFile)
      throws IOException {
    List<String> args = new ArrayList<>(
        List.of(
            "master",
            "--id", id,
            "--bind", host,
            "--port", Integer.toString(port),
            "--advertise-address", host + ":" + port,
            "--etcd-endpoints", etcdEndpoints,
            "--prefix", prefix,
            "--lease-ttl", Integer.toString(leaseTtlSeconds)));
    args.addAll(extraArgs);
    return new TestingMasterProcess(
        id, host, port, TestingJvm.start(id, launcher, TestingJvm.SMALL_JVM_FLAGS, args, java.util.Map.of(), logFile));
  }

  public String id() {
    return id;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
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

  /** Sends a real signal by name (TERM, KILL, STOP, CONT, ...) with kill(1). */
  public void signal(String sig) throws IOException, InterruptedException {
    jvm.signal(sig);
  }

  /** Waits for the process to exit; returns its exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    return jvm.awaitExit(timeout);
  }

  /** Waits until {@code GET /readyz} answers 200. */
  public TestingMasterProcess awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      jvm.requireAlive();
      if (tryGet(MasterPaths.READYZ).map(r -> r.status() == 200).orElse(false)) {
        return this;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(id + " not ready within " + timeout + "; log:\n" + log());
  }

  /** The log so far (for failure messages). */
  public String log() {
    return jvm.log();
  }

  /** An HTTP answer: status, the replica that served it, body. */
  public record Response(int status, String servedBy, String retryAfter, String body) {}

  public Response get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  public Response post(String path, String json) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  public Response delete(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).DELETE());
  }

  public Response request(String method, String path, String body) throws IOException, InterruptedException {
    return request(method, path, body, new String[0]);
  }

  /** With extra headers, as name, value pairs. */
  public Response request(String method, String path, String body, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b);
  }

  /** Like {@link #get} but empty instead of throwing when the replica does not answer (e.g. stopped). */
  public Optional<Response> tryGet(String path) throws InterruptedException {
    try {
      return Optional.of(send(HttpRequest.newBuilder(uri(path)).GET().timeout(Duration.ofMillis(500))));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private URI uri(String path) {
    return URI.create("http://" + host + ":" + port + path);
  }

  private static Response send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpRequest r = request.build();
    if (r.timeout().isEmpty()) {
      r = HttpRequest.newBuilder(r, (k, v) -> true).timeout(Duration.ofSeconds(10)).build();
    }
    HttpResponse<String> response = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    return new Response(
        response.statusCode(),
        response.headers().firstValue(MasterPaths.SERVED_BY_HEADER).orElse(null),
        response.headers().firstValue("Retry-After").orElse(null),
        response.body());
  }

  /** Kills the process with SIGKILL (works on a stopped process too) and waits for it. */
  @Override
  public void close() throws Exception {
    jvm.close();
  }
}
