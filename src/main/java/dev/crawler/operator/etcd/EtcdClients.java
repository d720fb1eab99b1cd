package dev.crawler.operator.etcd;

import dev.crawler.api.EtcdEndpoints;
import dev.crawler.etcd.EtcdCredentials;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One jetcd {@link Client} per distinct set of etcd endpoints and credentials, shared by every
 * cluster that uses both and closed when the last of them releases it. Many CrawlerMasters usually
 * share one etcd; a client per cluster would multiply connections and watch streams for nothing.
 * Clusters with their own etcd user or certificate get their own client: a client is logged in
 * as one user.
 */
public final class EtcdClients implements AutoCloseable {

  /** What a client is shared by: its endpoints, {@link EtcdEndpoints#normalize normalized}, and its credentials. */
  public record Key(List<String> endpoints, EtcdCredentials credentials) {}

  /** A counted reference to a shared client; {@link #close()} releases it exactly once. */
  public final class Handle implements AutoCloseable {
    private final Key key;
    private final Client client;
    private boolean released;

    private Handle(Key key, Client client) {
      this.key = key;
      this.client = client;
    }

    public Client client() {
      return client;
    }

    @Override
    public void close() {
      synchronized (EtcdClients.this) {
        if (!released) {
          released = true;
          release(key);
        }
      }
    }
  }

  private static final class Shared {
    final Client client;
    int users;

    Shared(Client client) {
      this.client = client;
    }
  }

  private final Function<Key, Client> factory;
  private final Map<Key, Shared> clients = new HashMap<>();

  public EtcdClients() {
    this(EtcdClients::connect);
  }

  public EtcdClients(Function<Key, Client> factory) {
    this.factory = factory;
  }

  /** @param credentials already checked by {@link EtcdSecrets}: unreadable material fails here */
  public synchronized Handle acquire(List<String> endpoints, EtcdCredentials credentials) {
    Key key = new Key(EtcdEndpoints.normalize(endpoints), credentials);
    Shared shared = clients.computeIfAbsent(key, k -> new Shared(factory.apply(k)));
    shared.users++;
    return new Handle(key, shared.client);
  }

  /** How many distinct clients are open; for tests. */
  public synchronized int openClients() {
    return clients.size();
  }

  private static Client connect(Key key) {
    try {
      return key.credentials().connect(key.endpoints().stream().map(URI::create).toList(), Duration.ofSeconds(2));
    } catch (EtcdCredentials.InvalidMaterialException e) {
      throw new IllegalArgumentException("etcd TLS material: " + e.getMessage(), e);
    }
  }

  private void release(Key key) {
    Shared shared = clients.get(key);
    if (shared != null && --shared.users == 0) {
      clients.remove(key);
      shared.client.close();
    }
  }

  /** Closes every client, whether or not it is still in use; for shutdown. */
  @Override
  public synchronized void close() {
    clients.values().forEach(s -> s.client.close());
    clients.clear();
  }
}
