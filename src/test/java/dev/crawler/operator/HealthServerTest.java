package dev.crawler.operator;

import dev.crawler.operator.settings.OperatorSettings;
import static dev.crawler.testing.TestingCrawlerMasters.installCrd;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class HealthServerTest {
  static KubernetesClient client;

  private static int status(HealthServer server, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** The mock server lives as long as the class: the CRD is installed by whichever test runs first. */
  @BeforeEach
  void crd() {
    if (client.apiextensions().v1().customResourceDefinitions().list().getItems().isEmpty()) {
      installCrd(client);
    }
  }

  @Test
  void readyOnlyOnceTheOperatorHasStartedAndAliveWhileStarting() throws Exception {
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

  @Test
  void clientsThatNeverFinishTheirRequestsDoNotStallTheProbes() throws Exception {
    Operator operator = CrawlerOperator.create(client, CrawlerOperator.Options.of(OperatorSettings.defaults())
        .withOverrides(o -> o.withCloseClientOnStop(false)));
    List<Socket> slow = new ArrayList<>();
    try (HealthServer server = HealthServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), operator.getRuntimeInfo(), new OperatorMetrics())) {
      for (int i = 0; i < 50; i++) {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
        s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: slow\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        slow.add(s);
      }
      // Before, requests ran on the server's one dispatcher thread: the first slow client stalled all.
      assertThat(status(server, "/healthz")).isEqualTo(200);
      assertThat(status(server, "/metrics")).isEqualTo(200);
    } finally {
      for (Socket s : slow) {
        s.close();
      }
      operator.stop();
    }
  }
}
