package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.support.HttpLimits;
import dev.crawler.api.MasterPaths;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingMasterCluster;
import dev.crawler.testing.TestingMasterProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Clients that open connections and never finish their requests cannot stop a replica. */
@Tag("process")
@Tag("etcd")
class SlowClientsTest {
  private static final int SLOW_CLIENTS = 200;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void twoHundredSlowClientsOnTheApiPortLeaveProbesAndNormalRequestsServed() throws Exception {
    try (TestingMasterCluster cluster = TestingMasterCluster.start(0, 2)) {
      int probePort = TestingEtcd.freePort();
      TestingMasterProcess m = cluster.startMaster("m-0", List.of("--probe-port", Integer.toString(probePort)));
      m.awaitReady(Duration.ofSeconds(60));
      cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), l -> l.id().equals("m-0"));
      long pid = m.pid();

      List<Socket> slow = new ArrayList<>();
      try {
        for (int i = 0; i < SLOW_CLIENTS; i++) {
          Socket s = new Socket("127.0.0.1", m.port());
          OutputStream out = s.getOutputStream();
          // A request line and a header, never the blank line that ends the headers.
          out.write(("GET " + MasterPaths.WORKERS + " HTTP/1.1\r\nHost: slow\r\n").getBytes(StandardCharsets.US_ASCII));
          out.flush();
          slow.add(s);
        }

        long worstProbeMillis = 0;
        for (int round = 0; round < 10; round++) {
          for (String path : List.of(MasterPaths.HEALTHZ, MasterPaths.READYZ)) {
            long start = System.nanoTime();
            HttpResponse<String> probe = get(probePort, path);
            worstProbeMillis = Math.max(worstProbeMillis, (System.nanoTime() - start) / 1_000_000);
            assertThat(probe.statusCode()).as(path + ": " + probe.body()).isEqualTo(200);
          }
          Thread.sleep(200);
        }
        HttpResponse<String> normal = get(m.port(), MasterPaths.WORKERS);
        assertThat(normal.statusCode()).as(normal.body()).isEqualTo(200);
        System.out.printf("%d slow clients: worst probe %d ms%n", SLOW_CLIENTS, worstProbeMillis);

        // The server closes every unfinished request once its time is up.
        long closeStart = System.nanoTime();
        for (Socket s : slow) {
          s.setSoTimeout((HttpLimits.MAX_REQUEST_SECONDS + 20) * 1000);
          assertThat(closedByServer(s)).as("slow connection closed by the replica").isTrue();
        }
        System.out.printf("slow clients closed after %d ms%n", (System.nanoTime() - closeStart) / 1_000_000);
      } finally {
        for (Socket s : slow) {
          s.close();
        }
      }

      assertThat(m.isAlive()).isTrue();
      assertThat(m.pid()).isEqualTo(pid);
      String metrics = get(probePort, MasterPaths.METRICS).body();
      assertThat(metrics).contains("crawler_master_elections_total{outcome=\"won\"} 1.0");
      assertThat(m.get(MasterPaths.WORKERS).status()).isEqualTo(200);
    }
  }

  private static boolean closedByServer(Socket s) throws Exception {
    InputStream in = s.getInputStream();
    try {
      // The JDK server closes without an answer, or answers 4xx/5xx and closes: read to the end.
      while (in.read() != -1) {
        // drain
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (java.io.IOException e) {
      return true; // reset by the server
    }
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(1)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
