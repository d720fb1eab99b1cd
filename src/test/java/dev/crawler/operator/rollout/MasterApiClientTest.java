package dev.crawler.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the operator reads from an address that answers like no replica: bounded in size and time. */
class MasterApiClientTest {
  private HttpServer server;

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String serve(com.sun.net.httpserver.HttpHandler handler) throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", handler);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "misbehaving-replica");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  void aHugeAnswerIsCutAndOnlyAShortReasonReachesTheOutcome() throws Exception {
    String address = serve(exchange -> {
      exchange.sendResponseHeaders(500, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 10 * 16; i++) {  // 10 MiB
          out.write(chunk);
        }
      } catch (java.io.IOException e) {
        // the client stopped reading: expected
      }
    });
    SwitchoverOutcome outcome = new MasterApiClient(Duration.ofSeconds(10)).switchover(address, Optional.of("demo-1"));

    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.message()).contains("HTTP 500").hasSizeLessThan(600);
  }

  @Test
  void aBodyThatNeverEndsIsGivenUpAtTheTimeout() throws Exception {
    String address = serve(exchange -> {
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      out.write('{');
      out.flush();
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    long t0 = System.nanoTime();
    SwitchoverOutcome outcome = new MasterApiClient(Duration.ofSeconds(1)).switchover(address, Optional.empty());

    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.message()).contains("no answer").contains("within 1 s");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void aReplicasAnswerIsReadWhole() throws Exception {
    String address = serve(exchange -> {
      byte[] body = "{\"leader\":\"demo-1\",\"term\":9,\"previousLeader\":\"demo-0\",\"previousTerm\":4}"
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    SwitchoverOutcome outcome = new MasterApiClient(Duration.ofSeconds(5)).switchover(address, Optional.of("demo-1"));
    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.message()).contains("demo-1 leads (term 9), was demo-0 (term 4)");
  }
}
