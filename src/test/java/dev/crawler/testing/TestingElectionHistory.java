package dev.crawler.testing;

import dev.crawler.election.Json;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Replays etcd's history to prove fencing: which leader terms existed and when their keys went,
 * and which term made each resource write. Reads etcd only, never what replicas say.
 */
public final class TestingElectionHistory {
  private TestingElectionHistory() {}

  /** Create revision (the term) of every key ever under the election -> revision it was deleted at (MAX while alive). */
  public static Map<Long, Long> leaderKeyLifetimes(Client client, String election) throws Exception {
    Map<String, Long> termOfKey = new TreeMap<>();
    Map<Long, Long> deletedAt = new TreeMap<>();
    for (WatchEvent e : history(client, election)) {
      String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
      if (e.getEventType() == WatchEvent.EventType.PUT) {
        termOfKey.putIfAbsent(key, e.getKeyValue().getCreateRevision());
        deletedAt.putIfAbsent(e.getKeyValue().getCreateRevision(), Long.MAX_VALUE);
      } else if (termOfKey.containsKey(key)) {
        deletedAt.put(termOfKey.remove(key), e.getKeyValue().getModRevision());
      }
    }
    return deletedAt;
  }

  /** Every PUT under {@code dir} as {term that wrote it, revision it landed at}. */
  public static List<long[]> writes(Client client, String dir) throws Exception {
    return history(client, dir).stream()
        .filter(e -> e.getEventType() == WatchEvent.EventType.PUT)
        .map(e -> new long[] {termOf(e), e.getKeyValue().getModRevision()})
        .toList();
  }

  private static long termOf(WatchEvent e) {
    try {
      return Json.MAPPER.readTree(e.getKeyValue().getValue().getBytes()).path("term").asLong();
    } catch (IOException ex) {
      throw new AssertionError(ex);
    }
  }

  /** Every event under {@code prefix} since revision 1, in order (etcd keeps history until compaction). */
  public static List<WatchEvent> history(Client client, String prefix) throws Exception {
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    long now = client.getKVClient().get(bytes("/")).get(5, TimeUnit.SECONDS).getHeader().getRevision();
    long lastInPrefix = client.getKVClient()
        .get(bytes(prefix), GetOption.builder().isPrefix(true).withKeysOnly(true).build())
        .get(5, TimeUnit.SECONDS).getKvs().stream().mapToLong(kv -> kv.getModRevision()).max().orElse(0);
    CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    try (var watcher = client.getWatchClient().watch(
        bytes(prefix),
        WatchOption.builder().isPrefix(true).withRevision(1).build(),
        response -> {
          events.addAll(response.getEvents());
          if (events.stream().anyMatch(e -> e.getKeyValue().getModRevision() >= Math.max(lastInPrefix, 1))) {
            caughtUp.complete(null);
          }
        })) {
      try {
        caughtUp.get(3, TimeUnit.SECONDS);
      } catch (TimeoutException deletionsOnly) {
        // the newest events were deletions, which a keys-only read cannot date; 3 s of replay is plenty
      }
    }
    System.out.printf("history of %s: %d events up to revision %d%n", prefix, events.size(), now);
    return new ArrayList<>(events);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
