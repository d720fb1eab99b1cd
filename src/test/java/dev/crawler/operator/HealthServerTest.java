package dev.crawler.operator;

import static dev.crawler.testing.TestingCrawlerMasters.installCrd;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class HealthServerTest {
  static KubernetesClient client;

  private static int status(HealthServer server, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void readyOnlyOnceTheOperatorHasStartedAndAliveWhileStarting() throws Exception {
    installCrd(client);
    Operator operator = CrawlerOperator.create(client, CrawlerOperator.Options.of(OperatorSettings.defaults())
        .withOverrides(o -> o.withCloseClientOnStop(false)));
    try (HealthServer server = HealthServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), operator.getRuntimeInfo(), new OperatorMetrics())) {
      assertThat(status(server, "/readyz")).isEqualTo(503);
      assertThat(status(server, "/healthz")).isEqualTo(200);

      operator.start();

      assertThat(status(server, "/readyz")).isEqualTo(200);
      assertThat(status(server, "/healthz")).isEqualTo(200);
      assertThat(status(server, "/healthz/extra")).isEqualTo(404);
    } finally {
      operator.stop();
    }
  }
}
