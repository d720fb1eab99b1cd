package dev.crawler.testing;

import dev.crawler.election.CandidateInfo;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bare election candidate for tests: its own lease (kept alive), a campaign with a given value
 * through jetcd's Election API, and the ways a real replica leaves: resign, crash (lease revoked:
 * the key goes at once, as after a TTL expiry but without waiting).
 */
public final class TestingCandidate implements AutoCloseable {
  private final Client client;
  private final ByteSequence election;
  private final ByteSequence value;
  private final long leaseId;
  private final CloseableClient keepAlive;
  private final AtomicInteger keepAlives = new AtomicInteger();
  private volatile CompletableFuture<LeaderKey> campaign;

  private TestingCandidate(Client client, String election, byte[] value, long ttlSeconds)
      throws Exception {
    this.client = client;
    this.election = ByteSequence.from(election, StandardCharsets.UTF_8);
    this.value = ByteSequence.from(value);
    this.leaseId = client.getLeaseClient().grant(ttlSeconds).get(10, TimeUnit.SECONDS).getID();
    this.keepAlive =
        client.getLeaseClient().keepAlive(leaseId, new StreamObserver<LeaseKeepAliveResponse>() {
          @Override
          public void onNext(LeaseKeepAliveResponse r) {
            keepAlives.incrementAndGet();
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
  }

  /** A candidate proposing our JSON {@link CandidateInfo}, as a master replica named {@code pod}. */
  public static TestingCandidate pod(Client client, String election, String pod, long ttlSeconds)
      throws Exception {
    return new TestingCandidate(
        client, election, new CandidateInfo(pod, pod + ".local:8080").toJson(), ttlSeconds);
  }

  /** A candidate proposing any value, like a foreign client of the same election. */
  public static TestingCandidate raw(Client client, String election, String value, long ttlSeconds)
      throws Exception {
    return new TestingCandidate(
        client, election, value.getBytes(StandardCharsets.UTF_8), ttlSeconds);
  }

  /** Campaigns without blocking; the future completes when this candidate leads. */
  public CompletableFuture<LeaderKey> campaign() {
    campaign =
        client.getElectionClient().campaign(election, leaseId, value)
            .thenApply(r -> r.getLeader());
    return campaign;
  }

  /** The create revision etcd gave this candidate's key: its term once it leads. */
  public long term() throws Exception {
    return campaign.get(30, TimeUnit.SECONDS).getRevision();
  }

  public void resign() throws Exception {
    client.getElectionClient().resign(campaign.get(30, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS);
  }

  /** Simulates a crash: keep-alive stops and the lease is revoked, which deletes the key. */
  public void crash() throws Exception {
    keepAlive.close();
    client.getLeaseClient().revoke(leaseId).get(10, TimeUnit.SECONDS);
  }

  public int keepAlivesSoFar() {
    return keepAlives.get();
  }

  @Override
  public void close() {
    keepAlive.close();
    try {
      client.getLeaseClient().revoke(leaseId).get(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // already revoked or etcd gone
    }
  }
}
