package dev.crawler.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdClientsTest {
  @Test
  void sameEndpointsInAnyOrderShareOneClientClosedByTheLastRelease() {
    List<List<String>> built = new ArrayList<>();
    // Building a jetcd client does not connect; nothing listens on these ports.
    EtcdClients clients = new EtcdClients(endpoints -> {
      built.add(endpoints);
      return Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
    });
    EtcdClients.Handle a = clients.acquire(List.of("http://127.0.0.1:1", "http://127.0.0.1:2"));
    EtcdClients.Handle b = clients.acquire(List.of("http://127.0.0.1:2/", " http://127.0.0.1:1"));
    EtcdClients.Handle c = clients.acquire(List.of("http://127.0.0.1:3"));
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

    EtcdClients.Handle again = clients.acquire(List.of("http://127.0.0.1:1", "http://127.0.0.1:2"));
    assertThat(again.client()).isNotSameAs(b.client());
    assertThat(built).hasSize(3);
    clients.close();
  }
}
