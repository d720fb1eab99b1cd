package dev.crawler.election;

import dev.crawler.support.Failures;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One election in etcd, the one home of its rule. It follows etcd's election recipe (the same as
 * Go's {@code client/v3/concurrency.Election}, which jetcd's Election API calls on the server):
 * each candidate puts a key {@code <name>/<lease id in hex>} bound to its own lease, with its
 * {@link CandidateInfo} as value; the key with the lowest create revision leads (first-create), and
 * that revision is the leader's term. Nobody else sorts candidate keys or reads a term.
 *
 * <p>The caller owns leases ({@link Session}): the election only names them. Nothing but
 * candidates may live under {@code <name>/}. Do not give the client a namespace: jetcd's observe
 * ignores it while its other election calls apply it.
 *
 * <p>Every method returns at once; what its future means is said per method. Cancelling a future
 * does not undo the request on the server.
 */
public final class Election {
  private static final GetOption FIRST_CREATED =
      GetOption.builder()
          .isPrefix(true)
          .withSortField(GetOption.SortTarget.CREATE)
          .withSortOrder(GetOption.SortOrder.ASCEND)
          .withLimit(1)
          .build();
  private static final GetOption QUEUE =
      GetOption.builder()
          .isPrefix(true)
          .withSortField(GetOption.SortTarget.CREATE)
          .withSortOrder(GetOption.SortOrder.ASCEND)
          .build();

  /** The first-created candidate as of etcd revision {@code revision}. */
  record Read(Optional<Candidate> leader, long revision) {}

  private final Client client;
  private final String name;
  private final ByteSequence nameBytes;
  private final ByteSequence candidatePrefix;

  /** @param name the election's name, e.g. {@code KeyLayout.election()}; keys live under {@code <name>/} */
  public Election(Client client, String name) {
    this.client = client;
    this.name = name;
    this.nameBytes = ByteSequence.from(name, StandardCharsets.UTF_8);
    this.candidatePrefix = ByteSequence.from(name + "/", StandardCharsets.UTF_8);
  }

  public String name() {
    return name;
  }

  Client client() {
    return client;
  }

  ByteSequence candidatePrefix() {
    return candidatePrefix;
  }

  /**
   * Enters the election as the candidate of lease {@code leaseId} and completes when that candidate
   * leads, with its leadership; that may take forever. Fails when etcd fails the campaign (e.g. the
   * lease is gone). A campaign cannot be withdrawn on the server: to leave the queue, revoke the
   * lease; if a campaign given up on completes later, resign what it won.
   */
  public CompletableFuture<Candidate> campaign(long leaseId, CandidateInfo value) {
    String json = new String(value.toJson(), StandardCharsets.UTF_8);
    return client
        .getElectionClient()
        .campaign(nameBytes, leaseId, ByteSequence.from(json, StandardCharsets.UTF_8))
        .thenApply(won -> new Candidate(
            won.getLeader().getKey().toString(StandardCharsets.UTF_8), won.getLeader().getRevision(), json));
  }

  /**
   * Gives up {@code leadership} by deleting its key; the next candidate in queue order leads as
   * soon as etcd applied it. Completes when etcd did. The server guards the delete on the key's
   * create revision, so resigning a leadership that already ended changes nothing and succeeds.
   */
  public CompletableFuture<Void> resign(Candidate leadership) {
    LeaderKey key = new LeaderKey(
        nameBytes,
        ByteSequence.from(leadership.key(), StandardCharsets.UTF_8),
        leadership.term(),
        leadership.leaseId());
    return client.getElectionClient().resign(key).thenApply(r -> null);
  }

  /** Who leads now: the first-created candidate. Empty when nobody does (not an error, unlike jetcd's leader()). */
  public CompletableFuture<Optional<Candidate>> leader() {
    return read().thenApply(Read::leader);
  }

  /** Every candidate, in queue order: the leader first, then who would lead next. */
  public CompletableFuture<List<Candidate>> candidates() {
    return client.getKVClient().get(candidatePrefix, QUEUE)
        .thenApply(response -> response.getKvs().stream().map(Candidate::from).toList());
  }

  /**
   * Revokes lease {@code leaseId}: every key bound to it goes at once, its candidate key (and so its
   * leadership) included. Completes when etcd applied it; fails when the lease no longer exists.
   */
  public CompletableFuture<Void> revoke(long leaseId) {
    return client.getLeaseClient().revoke(leaseId).thenApply(r -> null);
  }

  /**
   * Revokes the lease of candidate {@code seen}, but only while its key still holds the term that
   * was seen: the key is read again first, so a key that is gone or was created again is left alone.
   * The lease revoked is the one etcd says holds the key ({@link #revocable}). Completes with the
   * revoked lease id; empty when the key is gone, belongs to another term, is not a replica's
   * candidate key, or its lease was already gone.
   *
   * <p>Why a revoke can only hit the leadership it was meant for: a replica grants a fresh lease for
   * every campaign and revokes it when that campaign or leadership ends, so a lease id names exactly
   * one term of one replica (etcd does not reuse lease ids), and a successor always holds another
   * lease. A revoke of a leader that was alive after all is harmless to correctness: every leader
   * write is fenced on its key's create revision, so once the key is gone nothing of that term
   * lands; it costs one election.
   */
  public CompletableFuture<Optional<Long>> revokeIfStill(Candidate seen) {
    return client.getKVClient().get(ByteSequence.from(seen.key(), StandardCharsets.UTF_8))
        .thenCompose(response -> {
          Optional<KeyValue> kv = response.getKvs().stream().findFirst()
              .filter(k -> revocable(Candidate.from(k), k.getLease(), seen.term()));
          if (kv.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.<Long>empty());
          }
          long leaseId = kv.get().getLease();
          return revoke(leaseId).handle((ok, error) -> {
            if (error == null) {
              return Optional.of(leaseId);
            }
            if (Session.isLeaseNotFound(error)) {
              return Optional.<Long>empty();
            }
            throw new CompletionException(Failures.unwrap(error));
          });
        });
  }

  /**
   * Whether a candidate key as etcd returned it may have its lease revoked: it still has the term
   * that was seen, etcd says a lease holds it ({@code lease}, never a lease parsed from the key's
   * name), the key is named after that lease as the election recipe names every key it writes, and
   * its value is a replica's {@link CandidateInfo}. A key planted under the election, named after
   * someone else's lease, fails the last two: its lease is its own, or none.
   */
  static boolean revocable(Candidate now, long lease, long seenTerm) {
    return now.term() == seenTerm && lease > 0 && now.leaseId() == lease && now.info().isPresent();
  }

  /**
   * Whether {@code leadership}'s key still exists with its term. A campaign that etcd completes can
   * still be a win of a key already gone: etcd's campaign waits only for the keys before it to go,
   * not for its own, so a candidate whose lease was revoked while it waited (to step behind a
   * switchover's target) is told it won when the leader resigns.
   */
  public CompletableFuture<Boolean> holds(Candidate leadership) {
    return client.getKVClient().get(ByteSequence.from(leadership.key(), StandardCharsets.UTF_8))
        .thenApply(response -> response.getKvs().stream().findFirst()
            .map(kv -> Candidate.from(kv).term() == leadership.term()).orElse(false));
  }

  /**
   * The guard of every write of {@code leadership}'s term (see {@link Fence}).
   *
   * @param locallyValid false once this process can no longer trust its lease
   * @param onRejected called once, with the reason, when etcd first rejects a write
   */
  public Fence fence(Candidate leadership, BooleanSupplier locallyValid, Consumer<String> onRejected) {
    return new Fence(
        client.getKVClient(),
        ByteSequence.from(leadership.key(), StandardCharsets.UTF_8),
        leadership.term(),
        locallyValid,
        onRejected);
  }

  /**
   * An observation of this election that reports each change of its state to {@code onChange} on
   * {@code scheduler}'s thread, including no leader and etcd unreachable. Nothing runs before
   * {@link Observation#start()}; {@link Observation#close()} stops it.
   */
  public Observation observe(
      Observation.Options options, ScheduledExecutorService scheduler, Consumer<ElectionState> onChange) {
    return new Observation(this, options, scheduler, onChange);
  }

  CompletableFuture<Read> read() {
    return client.getKVClient().get(candidatePrefix, FIRST_CREATED)
        .thenApply(response -> new Read(
            response.getKvs().stream().findFirst().map(Candidate::from), response.getHeader().getRevision()));
  }
}
