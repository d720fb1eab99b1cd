package dev.crawler.worker;

import dev.crawler.api.KeyLayout;
import dev.crawler.etcd.EtcdUnavailableException;
import dev.crawler.support.Json;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads and writes {@code <prefix>/progress/<name>}. Every write is a transaction guarded by the
 * resource key's mod revision at which this worker saw the resource assigned to it (the
 * <em>assignment revision</em>): once the leader moves or deletes the resource that revision is
 * gone, and no write of the old holder can land, however late it arrives.
 */
public final class ProgressStore {
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  private final KV kv;
  private final KeyLayout layout;

  public ProgressStore(KV kv, KeyLayout layout) {
    this.kv = kv;
    this.layout = layout;
  }

  /** The stored progress of {@code name}; empty when none or unreadable. */
  public Optional<Progress> read(String name) throws InterruptedException {
    GetResponse r;
    try {
      r = kv.get(bytes(layout.progress(name))).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new EtcdUnavailableException("cannot read the progress of " + name, e);
    }
    if (r.getKvs().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.MAPPER.readValue(r.getKvs().get(0).getValue().getBytes(), Progress.class));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Writes {@code progress} if the resource is still at {@code assignmentRevision}; false when it
   * is not (moved, deleted, re-created): this worker must stop crawling it.
   */
  public boolean write(long assignmentRevision, Progress progress) throws InterruptedException {
    ByteSequence resourceKey = bytes(layout.resource(progress.resource()));
    try {
      return kv.txn()
          .If(new Cmp(resourceKey, Cmp.Op.EQUAL, CmpTarget.modRevision(assignmentRevision)))
          .Then(Op.put(bytes(layout.progress(progress.resource())),
              ByteSequence.from(Json.MAPPER.writeValueAsBytes(progress)), PutOption.DEFAULT))
          .commit()
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .isSucceeded();
    } catch (ExecutionException | TimeoutException | IOException e) {
      throw new EtcdUnavailableException("cannot write the progress of " + progress.resource(), e);
    }
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
