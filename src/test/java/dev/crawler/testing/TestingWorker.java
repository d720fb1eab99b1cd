package dev.crawler.testing;

import dev.crawler.api.KeyLayout;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A crawler worker as the master sees one: a key {@code <prefix>/workers/<id>} with JSON
 * {@code {"id","address"}} bound to the worker's own lease, kept alive until {@link #die()}
 * revokes it (a crash the master notices at once), {@link #crash()} stops keeping it alive (etcd
 * deletes the key after the TTL) or {@link #close()}.
 */
public final class TestingWorker implements AutoCloseable {
  private final Client client;
  private final String id;
  private final long leaseId;
  private final CloseableClient keepAlive;

  private TestingWorker(Client client, String id, long leaseId, CloseableClient keepAlive) {
    this.client = client;
    this.id = id;
    this.leaseId = leaseId;
    this.keepAlive = keepAlive;
  }

  public static TestingWorker register(Client client, KeyLayout layout, String id, long ttlSeconds)
      throws Exception {
    long lease = client.getLeaseClient().grant(ttlSeconds).get(5, TimeUnit.SECONDS).getID();
    CloseableClient keepAlive =
        client
            .getLeaseClient()
            .keepAlive(
                lease,
                new StreamObserver<>() {
                  @Override
                  public void onNext(io.etcd.jetcd.lease.LeaseKeepAliveResponse value) {}

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    String json = "{\"id\":\"" + id + "\",\"address\":\"127.0.0.1:0\"}";
    client
        .getKVClient()
        .put(
            ByteSequence.from(layout.worker(id), StandardCharsets.UTF_8),
            ByteSequence.from(json, StandardCharsets.UTF_8),
            PutOption.builder().withLeaseId(lease).build())
        .get(5, TimeUnit.SECONDS);
    return new TestingWorker(client, id, lease, keepAlive);
  }

  public String id() {
    return id;
  }

  /** The worker dies: its lease is revoked, so its key disappears now. */
  public void die() throws Exception {
    keepAlive.close();
    client.getLeaseClient().revoke(leaseId).get(5, TimeUnit.SECONDS);
  }

  /** The worker crashes: its keep-alives stop, so its key disappears once the lease's TTL runs out. */
  public void crash() {
    keepAlive.close();
  }

  @Override
  public void close() throws Exception {
    keepAlive.close();
    try {
      client.getLeaseClient().revoke(leaseId).get(5, TimeUnit.SECONDS);
    } catch (Exception alreadyGone) {
      // revoked by die() or expired
    }
  }
}
