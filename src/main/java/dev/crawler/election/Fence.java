package dev.crawler.election;

import dev.crawler.etcd.EtcdUnavailableException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Guards every leader-only write of one term. A write is one etcd transaction that applies only
 * while {@code createRevision(leaderKey) == term}: once the leader key is gone (resigned, lease
 * expired) or belongs to another term, etcd itself rejects the write, whatever this process
 * believes. Correctness rests on that compare, not on local state; the local validity check only
 * avoids sending writes that are bound to fail.
 *
 * <p>Contract: after the first rejection every further {@link #commit} throws {@link
 * LeadershipLostException} without contacting etcd, and {@code onRejected} has been called once.
 */
public final class Fence {
  /** What happened to a write whose fence held. */
  public enum Outcome {
    APPLIED,
    /** One of the caller's own conditions failed; nothing was written. */
    CONDITION_FAILED
  }

  private final KV kv;
  private final ByteSequence leaderKey;
  private final long term;
  private final BooleanSupplier locallyValid;
  private final Consumer<String> onRejected;
  private volatile String rejection;

  public Fence(
      KV kv, ByteSequence leaderKey, long term, BooleanSupplier locallyValid, Consumer<String> onRejected) {
    this.kv = kv;
    this.leaderKey = leaderKey;
    this.term = term;
    this.locallyValid = locallyValid;
    this.onRejected = onRejected;
  }

  public long term() {
    return term;
  }

  /** The compare every leader write carries. */
  public Cmp guard() {
    return new Cmp(leaderKey, Cmp.Op.EQUAL, CmpTarget.createRevision(term));
  }

  /** False once a write was rejected or the lease can no longer be trusted locally. */
  public boolean isHeld() {
    return rejection == null && locallyValid.getAsBoolean();
  }

  /**
   * Applies {@code ops} atomically if the fence and all {@code conditions} hold.
   *
   * @throws LeadershipLostException the fence rejected the write (or had already): stop acting as leader
   * @throws EtcdUnavailableException etcd did not answer within {@code timeout}; the write may or may not have landed
   */
  public Outcome commit(List<Cmp> conditions, List<Op> ops, Duration timeout)
      throws LeadershipLostException, InterruptedException {
    if (rejection != null) {
      throw new LeadershipLostException(rejection);
    }
    if (!locallyValid.getAsBoolean()) {
      throw reject("lease of term " + term + " can no longer be trusted locally");
    }
    List<Cmp> all = new ArrayList<>(conditions.size() + 1);
    all.add(guard());
    all.addAll(conditions);
    TxnResponse response;
    try {
      response =
          kv.txn()
              .If(all.toArray(Cmp[]::new))
              .Then(ops.toArray(Op[]::new))
              .Else(Op.get(leaderKey, GetOption.DEFAULT))
              .commit()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new EtcdUnavailableException("fenced write of term " + term + " got no answer from etcd", e);
    }
    if (response.isSucceeded()) {
      return Outcome.APPLIED;
    }
    // The Else branch read the leader key in the same revision as the failed compares.
    List<KeyValue> leader = response.getGetResponses().get(0).getKvs();
    if (leader.isEmpty() || leader.get(0).getCreateRevision() != term) {
      throw reject("etcd rejected a write of term " + term + ": leader key is gone or belongs to another term");
    }
    return Outcome.CONDITION_FAILED;
  }

  private synchronized LeadershipLostException reject(String reason) {
    if (rejection == null) {
      rejection = reason;
      onRejected.accept(reason);
    }
    return new LeadershipLostException(rejection);
  }
}
