package dev.crawler.operator.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.etcd.EtcdCredentials;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdClientsTest {
  @Test
  void sameEndpointsInAnyOrderShareOneClientClosedByTheLastRelease() {
    List<List<String>> built = new ArrayList<>();
    // Building a jetcd client does not connect; nothing listens on these ports.
    EtcdClients clients = new EtcdClients(key -> {
      built.add(key.endpoints());
      return Client.builder().endpoints(key.endpoints().toArray(String[]::new)).build();
    });
    EtcdClients.Handle a = clients.acquire(List.of("http://127.0.0.1:1", "http://127.0.0.1:2"), EtcdCredentials.NONE);
    EtcdClients.Handle b = clients.acquire(List.of("http://127.0.0.1:2/", " http://127.0.0.1:1"), EtcdCredentials.NONE);
    EtcdClients.Handle c = clients.acquire(List.of("http://127.0.0.1:3"), EtcdCredentials.NONE);
    assertThat(a.client()).isSameAs(b.client());
    assertThat(c.client()).isNotSameAs(a.client());
    assertThat(built).hasSize(2);
    assertThat(clients.openClients()).isEqualTo(2);

    a.close();
    a.close(); // releasing twice must not release b's reference
    assertThat(clients.openClients()).isEqualTo(2);
    b.close();
    assertThat(clients.openClients()).isEqualTo(1);
    c.close();
    assertThat(clients.openClients()).isZero();

    EtcdClients.Handle again = clients.acquire(List.of("http://127.0.0.1:1", "http://127.0.0.1:2"), EtcdCredentials.NONE);
    assertThat(again.client()).isNotSameAs(b.client());
    assertThat(built).hasSize(3);
    clients.close();
  }

  @Test
  void differentCredentialsOnTheSameEndpointsGetTheirOwnClient() {
    EtcdClients clients = new EtcdClients(key -> Client.builder().endpoints(key.endpoints().toArray(String[]::new)).build());
    EtcdCredentials alice = new EtcdCredentials(null, null, null, "alice", "a".getBytes(StandardCharsets.UTF_8));
    EtcdCredentials aliceAgain = new EtcdCredentials(null, null, null, "alice", "a".getBytes(StandardCharsets.UTF_8));
    EtcdCredentials bob = new EtcdCredentials(null, null, null, "bob", "a".getBytes(StandardCharsets.UTF_8));
    EtcdClients.Handle a = clients.acquire(List.of("http://127.0.0.1:1"), alice);
    EtcdClients.Handle a2 = clients.acquire(List.of("http://127.0.0.1:1"), aliceAgain);
    EtcdClients.Handle b = clients.acquire(List.of("http://127.0.0.1:1"), bob);
    EtcdClients.Handle none = clients.acquire(List.of("http://127.0.0.1:1"), EtcdCredentials.NONE);
    assertThat(a.client()).isSameAs(a2.client());
    assertThat(b.client()).isNotSameAs(a.client());
    assertThat(none.client()).isNotSameAs(a.client()).isNotSameAs(b.client());
    assertThat(clients.openClients()).isEqualTo(3);
    clients.close();
  }
}
