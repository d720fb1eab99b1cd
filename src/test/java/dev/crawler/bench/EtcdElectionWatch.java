package dev.crawler.bench;

import dev.crawler.election.LeaderInfo;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Follows an etcd election the way etcd decides it: the leader is the owner of the key with the
 * lowest create revision under {@code <election>/}. Each change of that owner (its {@link
 * LeaderInfo} id, or the raw value for foreign candidates) goes into a {@link HolderTimeline},
 * stamped when the watch event arrived.
 */
final class EtcdElectionWatch implements AutoCloseable {
  private record Candidate(long createRevision, String id) {}

  private final Map<String, Candidate> candidates = new HashMap<>();
  private final HolderTimeline timeline = new HolderTimeline();
  private final Watch.Watcher watcher;

  EtcdElectionWatch(Client client, String election) throws Exception {
    ByteSequence prefix = ByteSequence.from(election + "/", StandardCharsets.UTF_8);
    var snapshot =
        client.getKVClient()
            .get(prefix, GetOption.builder().isPrefix(true).build())
            .get(10, TimeUnit.SECONDS);
    synchronized (this) {
      snapshot.getKvs().forEach(this::put);
      publish();
    }
    watcher =
        client.getWatchClient()
            .watch(
                prefix,
                WatchOption.builder()
                    .isPrefix(true)
                    .withRevision(snapshot.getHeader().getRevision() + 1)
                    .build(),
                response -> {
                  synchronized (this) {
                    for (WatchEvent e : response.getEvents()) {
                      if (e.getEventType() == WatchEvent.EventType.DELETE) {
                        candidates.remove(e.getKeyValue().getKey().toString(StandardCharsets.UTF_8));
                      } else if (e.getEventType() == WatchEvent.EventType.PUT) {
                        put(e.getKeyValue());
                      }
                    }
                    publish();
                  }
                });
  }

  HolderTimeline timeline() {
    return timeline;
  }

  private void put(KeyValue kv) {
    String value = kv.getValue().toString(StandardCharsets.UTF_8);
    String id = LeaderInfo.parse(value).map(LeaderInfo::id).orElse(value);
    candidates.put(
        kv.getKey().toString(StandardCharsets.UTF_8), new Candidate(kv.getCreateRevision(), id));
  }

  private void publish() {
    timeline.observe(
        candidates.values().stream()
            .min(java.util.Comparator.comparingLong(Candidate::createRevision))
            .map(Candidate::id)
            .orElse(null));
  }

  @Override
  public void close() {
    watcher.close();
  }
}
