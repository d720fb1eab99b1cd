package dev.crawler.operator;

import dev.crawler.api.EtcdEndpoints;
import io.etcd.jetcd.Client;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One jetcd {@link Client} per distinct set of etcd endpoints, shared by every cluster that uses
 * those endpoints and closed when the last of them releases it. Many CrawlerMasters usually share
 * one etcd; a client per cluster would multiply connections and watch streams for nothing.
 */
public final class EtcdClients implements AutoCloseable {

  /** A counted reference to a shared client; {@link #close()} releases it exactly once. */
  public final class Handle implements AutoCloseable {
    private final List<String> key;
    private final Client client;
    private boolean released;

    private Handle(List<String> key, Client client) {
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

  private final Function<List<String>, Client> factory;
  private final Map<List<String>, Shared> clients = new HashMap<>();

  public EtcdClients() {
    this(endpoints -> Client.builder().endpoints(endpoints.toArray(String[]::new)).build());
  }

  /** @param factory builds a client for an endpoint list {@link EtcdEndpoints#normalize normalized} */
  public EtcdClients(Function<List<String>, Client> factory) {
    this.factory = factory;
  }

  public synchronized Handle acquire(List<String> endpoints) {
    List<String> key = EtcdEndpoints.normalize(endpoints);
    Shared shared = clients.computeIfAbsent(key, k -> new Shared(factory.apply(k)));
    shared.users++;
    return new Handle(key, shared.client);
  }

  /** How many distinct clients are open; for tests. */
  public synchronized int openClients() {
    return clients.size();
  }

  private void release(List<String> key) {
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
