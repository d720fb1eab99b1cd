package dev.crawler.master.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PortProbeTest {
  private static final Duration TIMEOUT = Duration.ofMillis(500);

  @Test
  void aListeningPortAccepts() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      assertThat(PortProbe.probe("127.0.0.1:" + server.getLocalPort(), TIMEOUT)).isEqualTo(PortProbe.Answer.ACCEPTED);
    }
  }

  @Test
  void aClosedPortOnALiveHostRefuses() throws IOException {
    int port;
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      port = server.getLocalPort();
    }
    assertThat(PortProbe.probe("127.0.0.1:" + port, TIMEOUT)).isEqualTo(PortProbe.Answer.REFUSED);
  }

  @Test
  void onlyARefusalIsEvidence() {
    assertThat(PortProbe.classify(new ConnectException("Connection refused"))).isEqualTo(PortProbe.Answer.REFUSED);
    assertThat(PortProbe.classify(new ConnectException("Connection timed out"))).isEqualTo(PortProbe.Answer.NO_ANSWER);
    assertThat(PortProbe.classify(new SocketTimeoutException("Connect timed out"))).isEqualTo(PortProbe.Answer.NO_ANSWER);
    assertThat(PortProbe.classify(new NoRouteToHostException("No route to host"))).isEqualTo(PortProbe.Answer.NO_ANSWER);
    assertThat(PortProbe.classify(new ConnectException("Network is unreachable"))).isEqualTo(PortProbe.Answer.NO_ANSWER);
  }

  @Test
  void addressesThatCannotBeProbedProveNothing() {
    assertThat(PortProbe.probe("no-port", TIMEOUT)).isEqualTo(PortProbe.Answer.NO_ANSWER);
    assertThat(PortProbe.probe("127.0.0.1:x", TIMEOUT)).isEqualTo(PortProbe.Answer.NO_ANSWER);
    assertThat(PortProbe.probe("127.0.0.1:65536", TIMEOUT)).isEqualTo(PortProbe.Answer.NO_ANSWER);
    assertThat(PortProbe.probe("127.0.0.1:-1", TIMEOUT)).isEqualTo(PortProbe.Answer.NO_ANSWER);
    assertThat(PortProbe.probe("127.0.0.1:0", TIMEOUT)).isEqualTo(PortProbe.Answer.NO_ANSWER);
    assertThat(PortProbe.probe("no-such-host.invalid:8080", TIMEOUT)).isEqualTo(PortProbe.Answer.NO_ANSWER);
  }
}
