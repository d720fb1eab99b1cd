package dev.crawler.master;

import dev.crawler.api.Resource;
import dev.crawler.api.Worker;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.crawler.api.KeyLayout;
import dev.crawler.etcd.EtcdUnavailableException;
import dev.crawler.election.Fence;
import dev.crawler.support.Json;
import dev.crawler.election.LeadershipLostException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's state in etcd: workers and resources under the {@link KeyLayout}. Reads are
 * linearizable; every write is fenced by the leader's term and guarded by the resource's version,
 * so two leaders (or a leader and a late write of its predecessor) can never both succeed.
 */
public final class ClusterStore {
  private static final Logger log = LoggerFactory.getLogger(ClusterStore.class);
  static final Duration TIMEOUT = Duration.ofSeconds(3);
  private static final GetOption PREFIX = GetOption.builder().isPrefix(true).build();

  /** A resource and the mod revision it was read at (the guard for updating it). */
  public record Stored(Resource resource, long modRevision) {}

  /**
   * Workers and resources read in one etcd revision; {@code registrations} holds each worker key's
   * create revision (one registration of that worker: a worker that registers again gets a new one).
   */
  public record Snapshot(Map<String, Worker> workers, Map<String, Stored> resources, Map<String, Long> registrations) {
    public Snapshot(Map<String, Worker> workers, Map<String, Stored> resources) {
      this(workers, resources, Map.of());
    }

    public List<Resource> resourceList() {
      return resources.values().stream().map(Stored::resource).toList();
    }
  }

  private final KV kv;
  private final KeyLayout layout;

  public ClusterStore(KV kv, KeyLayout layout) {
    this.kv = kv;
    this.layout = layout;
  }

  public KeyLayout layout() {
    return layout;
  }

  /** Reads both directories atomically, so worker loads and assignments agree. */
  public Snapshot load() throws InterruptedException {
    TxnResponse r;
    try {
      r =
          kv.txn()
              .Then(
                  Op.get(bytes(layout.workersDir()), PREFIX),
                  Op.get(bytes(layout.resourcesDir()), PREFIX))
              .commit()
              .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new EtcdUnavailableException("cannot read cluster state from etcd", e);
    }
    Map<String, Worker> workers = new TreeMap<>();
    Map<String, Long> registrations = new TreeMap<>();
    for (KeyValue kv : r.getGetResponses().get(0).getKvs()) {
      parse(kv, Worker.class).filter(w -> w.id() != null).ifPresent(w -> {
        workers.put(w.id(), w);
        registrations.put(w.id(), kv.getCreateRevision());
      });
    }
    Map<String, Stored> resources = new TreeMap<>();
    for (KeyValue kv : r.getGetResponses().get(1).getKvs()) {
      parse(kv, Resource.class)
          .filter(res -> res.name() != null)
          .ifPresent(res -> resources.put(res.name(), new Stored(res, kv.getModRevision())));
    }
    return new Snapshot(workers, resources, registrations);
  }

  /** Creates {@code resource} if no resource of that name exists. */
  public Fence.Outcome create(Fence fence, Resource resource) throws LeadershipLostException, InterruptedException {
    ByteSequence key = bytes(layout.resource(resource.name()));
    return fence.commit(
        List.of(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0))),
        List.of(Op.put(key, json(resource), PutOption.DEFAULT)),
        TIMEOUT);
  }

  /** Replaces a resource only if it is still the version read at {@code modRevision}. */
  public Fence.Outcome update(Fence fence, Resource resource, long modRevision)
      throws LeadershipLostException, InterruptedException {
    ByteSequence key = bytes(layout.resource(resource.name()));
    return fence.commit(
        List.of(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision))),
        List.of(Op.put(key, json(resource), PutOption.DEFAULT)),
        TIMEOUT);
  }

  /**
   * Moves a resource as {@link Assignment#plan} decided from {@code snapshot}, only if the workers
   * it names are still as seen: the worker it leaves has no key (it is dead; one that registered
   * again meanwhile keeps its resources), and the worker it goes to still holds the registration
   * seen. Otherwise CONDITION_FAILED, and the next pass decides from fresh state.
   */
  public Fence.Outcome move(Fence fence, Resource moved, long modRevision, String from, Snapshot snapshot)
      throws LeadershipLostException, InterruptedException {
    ByteSequence key = bytes(layout.resource(moved.name()));
    List<Cmp> guards = new ArrayList<>();
    guards.add(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)));
    if (from != null) {
      guards.add(new Cmp(bytes(layout.worker(from)), Cmp.Op.EQUAL, CmpTarget.version(0)));
    }
    if (moved.worker() != null) {
      Long registered = snapshot.registrations().get(moved.worker());
      if (registered != null) {
        guards.add(new Cmp(bytes(layout.worker(moved.worker())), Cmp.Op.EQUAL, CmpTarget.createRevision(registered)));
      }
    }
    return fence.commit(guards, List.of(Op.put(key, json(moved), PutOption.DEFAULT)), TIMEOUT);
  }

  /**
   * Deletes a resource and its crawl progress in one transaction; CONDITION_FAILED when there was
   * none. The worker crawling it sees the delete in its watch, and its next progress write fails
   * (its guard is the resource key's mod revision).
   */
  public Fence.Outcome delete(Fence fence, String name) throws LeadershipLostException, InterruptedException {
    ByteSequence key = bytes(layout.resource(name));
    return fence.commit(
        List.of(new Cmp(key, Cmp.Op.GREATER, CmpTarget.version(0))),
        List.of(Op.delete(key, DeleteOption.DEFAULT), Op.delete(bytes(layout.progress(name)), DeleteOption.DEFAULT)),
        TIMEOUT);
  }

  private <T> Optional<T> parse(KeyValue kv, Class<T> type) {
    try {
      return Optional.ofNullable(Json.MAPPER.readValue(kv.getValue().getBytes(), type));
    } catch (IOException e) {
      log.warn("ignoring unreadable value at {}: {}", kv.getKey().toString(StandardCharsets.UTF_8), e.getMessage());
      return Optional.empty();
    }
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static ByteSequence json(Object value) {
    try {
      return ByteSequence.from(Json.MAPPER.writeValueAsBytes(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
