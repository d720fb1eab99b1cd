package dev.crawler.testing;

import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The identity of a ServiceAccount on a {@link TestingKubeApiServer}: a token the API server issues
 * through the TokenRequest API, as a client or as a kubeconfig file for a process. Same server URL
 * and CA as the admin kubeconfig, no client certificate.
 */
public final class TestingServiceAccount {
  private TestingServiceAccount() {
  }

  /** A token for {@code namespace/name}, valid for an hour. */
  public static String token(TestingKubeApiServer api, String namespace, String name) {
    return api.client().serviceAccounts().inNamespace(namespace).withName(name)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
        .getStatus().getToken();
  }

  /** A client that authenticates as {@code namespace/name}. */
  public static KubernetesClient client(TestingKubeApiServer api, String namespace, String name) {
    Config config = new ConfigBuilder(Config.fromKubeconfig(api.kubeconfigYaml()))
        .withClientCertData(null).withClientKeyData(null)
        .withClientCertFile(null).withClientKeyFile(null)
        .withOauthToken(token(api, namespace, name))
        .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Writes a kubeconfig (server URL and CA of the admin kubeconfig, the token as user) to a temp file. */
  public static Path kubeconfigFile(TestingKubeApiServer api, String namespace, String name) throws IOException {
    Config admin = Config.fromKubeconfig(api.kubeconfigYaml());
    String ca = admin.getCaCertData() != null
        ? admin.getCaCertData()
        : Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(admin.getCaCertFile())));
    String user = "system:serviceaccount:" + namespace + ":" + name;
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
          - name: testing
            cluster:
              server: %s
              certificate-authority-data: %s
        users:
          - name: "%s"
            user:
              token: %s
        contexts:
          - name: testing
            context:
              cluster: testing
              user: "%s"
        current-context: testing
        """.formatted(admin.getMasterUrl(), ca, user, token(api, namespace, name), user);
    Path file = Files.createTempFile("kubeconfig-" + name + "-", ".yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
