package dev.crawler.testing;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real kube-apiserver (with its own etcd) started through fabric8 kube-api-test, with the
 * CrawlerMaster CRD installed and Established. Exposes an admin client, a kubeconfig file for the
 * real {@code kubectl}, and {@link #kubectl} to run it.
 *
 * <p>There is no controller-manager, scheduler or kubelet: namespaces never finish deleting,
 * owner references do not cascade, and pods stay Pending unless something (see
 * {@link TestingKubelet}) writes their status.
 *
 * <p>Startup takes seconds on two cores, so tests share one server per JVM through
 * {@link #shared()}; a shutdown hook stops it. The binaries must already be in
 * {@code ~/.kubeapitest/k8s/<version>-linux-amd64/} ({@code hack/provision-tools.sh}); kube-api-test
 * is configured offline so it never tries to download them.
 */
public final class TestingKubeApiServer implements AutoCloseable {
  public static final String CRD_NAME = "crawlermasters.crawler.dev";
  private static final String CRD_RESOURCE = "META-INF/fabric8/" + CRD_NAME + "-v1.yml";

  private static TestingKubeApiServer shared;

  private final KubeAPIServer server;
  private final Path workDir;
  private final Path kubeconfig;
  private final KubernetesClient client;
  private final Duration startupTime;
  private boolean closed;

  private TestingKubeApiServer(KubeAPIServer server, Path workDir, Duration startupTime) throws IOException {
    this.server = server;
    this.workDir = workDir;
    this.startupTime = startupTime;
    String yaml = server.getKubeConfigYaml();
    this.kubeconfig = workDir.resolve("kubeconfig.yaml");
    Files.writeString(kubeconfig, yaml);
    this.client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(yaml)).build();
  }

  /** The JVM-wide server with the CRD installed; started on first use, stopped by a shutdown hook. */
  public static synchronized TestingKubeApiServer shared() {
    if (shared == null || shared.closed) {
      TestingKubeApiServer s = startNew();
      s.installCrd();
      Runtime.getRuntime().addShutdownHook(new Thread(s::close, "testing-kube-apiserver-stop"));
      shared = s;
    }
    return shared;
  }

  /** Starts a new, private server (no CRD yet). The caller closes it. */
  public static TestingKubeApiServer startNew() {
    return startNew(Map.of());
  }

  /**
   * Like {@link #startNew()} with extra kube-apiserver flags ({@code --name} to value), which win
   * over kube-api-test's own: e.g. a service IP range larger than its 10.0.0.0/24.
   */
  public static TestingKubeApiServer startNew(Map<String, String> flags) {
    KubeAPIServerConfigBuilder config =
        KubeAPIServerConfigBuilder.anAPIServerConfig()
            // Set through the builder: kube-api-test casts these env vars and throws ClassCastException.
            .withOfflineMode(true)
            .withStartupTimeout(120_000)
            .withWaitForEtcdHealthCheckOnStartup(false)
            .withUpdateKubeConfig(false);
    flags.forEach(config::withApiServerFlag);
    KubeAPIServer server = new KubeAPIServer(config.build());
    long t0 = System.nanoTime();
    try {
      server.start();
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "kube-apiserver did not start: " + e.getMessage()
              + ". Are the binaries provisioned? Run hack/provision-tools.sh", e);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    System.out.printf("testing-kube-apiserver: started in %d ms%n", took.toMillis());
    try {
      return new TestingKubeApiServer(server, Files.createTempDirectory("testing-kube-apiserver"), took);
    } catch (IOException e) {
      server.stop();
      throw new UncheckedIOException(e);
    }
  }

  /** Creates (or replaces) the generated CrawlerMaster CRD and waits until it is Established and served. */
  public CustomResourceDefinition installCrd() {
    long t0 = System.nanoTime();
    CustomResourceDefinition crd;
    try (InputStream in = crdYaml()) {
      crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client.apiextensions().v1().customResourceDefinitions().resource(crd).forceConflicts().serverSideApply();
    CustomResourceDefinition established =
        client.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME)
            .waitUntilCondition(TestingKubeApiServer::isEstablished, 60, TimeUnit.SECONDS);
    // Established means the API is served; discovery (used by kubectl and generic clients) lags a little.
    awaitKubectl(Duration.ofSeconds(30), "get", "crawlermasters", "-A");
    System.out.printf("testing-kube-apiserver: CRD %s established in %d ms%n", CRD_NAME,
        Duration.ofNanos(System.nanoTime() - t0).toMillis());
    return established;
  }

  public static boolean isEstablished(CustomResourceDefinition crd) {
    return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The generated CRD: from the build output, else from the committed crds/ folder. */
  private static InputStream crdYaml() throws IOException {
    InputStream fromClasspath = TestingKubeApiServer.class.getClassLoader().getResourceAsStream(CRD_RESOURCE);
    if (fromClasspath != null) {
      return fromClasspath;
    }
    Path target = projectDir().resolve("target/classes").resolve(CRD_RESOURCE);
    if (Files.exists(target)) {
      return Files.newInputStream(target);
    }
    return Files.newInputStream(projectDir().resolve("crds").resolve(CRD_NAME + "-v1.yml"));
  }

  /** Creates the namespace unless it exists. */
  public void ensureNamespace(String name) {
    if (client.namespaces().withName(name).get() == null) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
          .create();
    }
  }

  public KubernetesClient client() {
    return client;
  }

  /** The admin kubeconfig (client certificate in system:masters) for {@code kubectl --kubeconfig}. */
  public Path kubeconfigFile() {
    return kubeconfig;
  }

  public String kubeconfigYaml() {
    return server.getKubeConfigYaml();
  }

  public Duration startupTime() {
    return startupTime;
  }

  /** Runs {@code kubectl --kubeconfig <file> args...} and waits up to 60 s for it. */
  public KubectlResult kubectl(String... args) {
    return kubectlWithInput(null, args);
  }

  /** Like {@link #kubectl(String...)} with {@code stdin} piped in (e.g. for {@code apply -f -}). */
  public KubectlResult kubectlWithInput(String stdin, String... args) {
    List<String> command = new ArrayList<>();
    command.add(kubectlBinary());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    // Never fall back to the user's own kubeconfig.
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    try {
      Process p = pb.start();
      CompletableFuture<String> out = drain(p.getInputStream());
      CompletableFuture<String> err = drain(p.getErrorStream());
      try (OutputStream in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not finish in 60 s");
      }
      return new KubectlResult(command, p.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Retries a kubectl command until it succeeds (e.g. while discovery catches up with a new CRD). */
  public KubectlResult awaitKubectl(Duration timeout, String... args) {
    long deadline = System.nanoTime() + timeout.toNanos();
    KubectlResult last;
    do {
      last = kubectl(args);
      if (last.exitCode() == 0) {
        return last;
      }
      sleep(250);
    } while (System.nanoTime() < deadline);
    throw new IllegalStateException("still failing after " + timeout + ": " + last);
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try (in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toString(StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    });
  }

  /** The provisioned kubectl next to kube-apiserver (the newest version dir), else kubectl on PATH. */
  public static String kubectlBinary() {
    Path k8s = kubeApiTestDir().resolve("k8s");
    if (Files.isDirectory(k8s)) {
      try (Stream<Path> dirs = Files.list(k8s)) {
        Optional<Path> newest =
            dirs.filter(d -> Files.isExecutable(d.resolve("kubectl")))
                .max(Comparator.comparing(d -> versionKey(d.getFileName().toString())));
        if (newest.isPresent()) {
          return newest.get().resolve("kubectl").toString();
        }
      } catch (IOException e) {
        // fall back to PATH
      }
    }
    return "kubectl";
  }

  /** True when kube-api-test finds kube-apiserver, etcd and kubectl without downloading. */
  public static boolean binariesProvisioned() {
    Path k8s = kubeApiTestDir().resolve("k8s");
    if (!Files.isDirectory(k8s)) {
      return false;
    }
    try (Stream<Path> dirs = Files.list(k8s)) {
      return dirs.anyMatch(d -> Stream.of("kube-apiserver", "etcd", "kubectl")
          .allMatch(b -> Files.isExecutable(d.resolve(b))));
    } catch (IOException e) {
      return false;
    }
  }

  private static Path kubeApiTestDir() {
    String dir = System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR);
    return dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), KubeAPIServerConfigBuilder.DIRECTORY_NAME);
  }

  private static String versionKey(String dirName) {
    String[] parts = dirName.split("-")[0].split("\\.");
    StringBuilder key = new StringBuilder();
    for (String part : parts) {
      key.append(String.format("%06d", part.matches("\\d+") ? Integer.parseInt(part) : 0));
    }
    return key.toString();
  }

  /** The project root: surefire's {@code project.basedir} property, else the working directory. */
  public static Path projectDir() {
    String basedir = System.getProperty("project.basedir");
    return basedir != null ? Path.of(basedir) : Path.of("").toAbsolutePath();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    client.close();
    server.stop();
    try (Stream<Path> walk = Files.walk(workDir)) {
      walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      // temp files only
    }
  }

  /** Outcome of one kubectl run. */
  public record KubectlResult(List<String> command, int exitCode, String stdout, String stderr) {
    public KubectlResult assertSuccess() {
      if (exitCode != 0) {
        throw new AssertionError("kubectl failed: " + this);
      }
      return this;
    }

    @Override
    public String toString() {
      return String.join(" ", command) + " -> exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
    }
  }
}
