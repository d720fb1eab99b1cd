package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PeersTest {

  @Test
  void onlyHostAndPortAreAccepted() {
    assertThat(Peers.parse("10.0.0.7:8080")).contains(new Peers.HostPort("10.0.0.7", 8080));
    assertThat(Peers.parse("Demo-0.demo-headless.ns.svc:8080")).contains(new Peers.HostPort("demo-0.demo-headless.ns.svc", 8080));
    assertThat(Peers.parse("[fd00::1]:8080")).contains(new Peers.HostPort("[fd00::1]", 8080));
    for (String bad : List.of(
        "127.0.0.1:9000/admin?x=", "127.0.0.1:9000?x", "user@127.0.0.1:9000", "127.0.0.1:9000#f", "127.0.0.1",
        "127.0.0.1:0", "127.0.0.1:65536", "300.0.0.1:80", "a b:80", "http://127.0.0.1:80", "fd00::1:8080", "")) {
      assertThat(Peers.parse(bad)).as(bad).isEmpty();
    }
  }

  @Test
  void theUrlIsBuiltFromTheParts() {
    assertThat(Peers.parse("[fd00::1]:8080").orElseThrow().baseUri()).hasToString("http://[fd00::1]:8080");
    assertThat(Peers.parse("10.0.0.7:8080").orElseThrow().baseUri()).hasToString("http://10.0.0.7:8080");
  }

  @Test
  void serviceRuleAcceptsItsIpsAndPodNamesOnTheClusterPortOnly() {
    Peers peers = Peers.service("localhost", 8080);
    assertThat(peers.check("127.0.0.1:8080").target()).isNotNull();
    assertThat(peers.check("demo-0.localhost:8080").target()).isNotNull();
    assertThat(peers.check("127.0.0.1:9000").refusal().reason()).isEqualTo("not_a_peer");
    assertThat(peers.check("10.1.2.3:8080").refusal().reason()).isEqualTo("not_a_peer");
    assertThat(peers.check("a.b.localhost:8080").refusal().reason()).isEqualTo("not_a_peer");
    assertThat(peers.check("evil.example:8080").refusal().reason()).isEqualTo("not_a_peer");
    assertThat(peers.check("127.0.0.1:8080/x").refusal().reason()).isEqualTo("malformed");
  }

  @Test
  void listAndSameHostRules() {
    Peers list = Peers.list(List.of("10.0.0.1:8080", "10.0.0.2:8080"));
    assertThat(list.check("10.0.0.2:8080").target()).isNotNull();
    assertThat(list.check("10.0.0.3:8080").refusal().reason()).isEqualTo("not_a_peer");
    Peers same = Peers.sameHost("127.0.0.1:8080");
    assertThat(same.check("127.0.0.1:9001").target()).isNotNull();
    assertThat(same.check("127.0.0.2:9001").target()).as("loopback replicas side by side").isNotNull();
    Peers sameIp = Peers.sameHost("10.0.0.1:8080");
    assertThat(sameIp.check("10.0.0.1:9001").target()).isNotNull();
    assertThat(sameIp.check("10.0.0.2:8080").refusal().reason()).isEqualTo("not_a_peer");
    assertThat(sameIp.check("127.0.0.1:8080").refusal().reason()).isEqualTo("not_a_peer");
  }
}
