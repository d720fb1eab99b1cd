package dev.crawler.bench;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real kube-apiserver (with its own etcd) from kube-api-test's local binaries, and a kubeconfig
 * file for child processes. Configured through the builder only: kube-api-test's env vars throw
 * ClassCastException (see STACK.md).
 */
final class BenchApiServer implements AutoCloseable {
  private final KubeAPIServer server;
  private final Path kubeconfig;
  private final KubernetesClient client;

  private BenchApiServer(KubeAPIServer server, Path kubeconfig, KubernetesClient client) {
    this.server = server;
    this.kubeconfig = kubeconfig;
    this.client = client;
  }

  static BenchApiServer start(Path dir) throws Exception {
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(120_000)
                .build());
    server.start();
    String yaml = server.getKubeConfigYaml();
    Files.createDirectories(dir);
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, yaml, StandardCharsets.UTF_8);
    KubernetesClient client =
        new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(yaml)).build();
    return new BenchApiServer(server, kubeconfig, client);
  }

  Path kubeconfig() {
    return kubeconfig;
  }

  KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    server.stop();
  }
}
