package dev.crawler.testing;

import dev.crawler.support.Json;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

  /** One event of etcd's history as plain values: what the pure checks below read. */
  public record Event(long revision, String key, boolean put, long createRevision, String value) {
    static Event of(WatchEvent e) {
      return new Event(
          e.getKeyValue().getModRevision(),
          e.getKeyValue().getKey().toString(StandardCharsets.UTF_8),
          e.getEventType() == WatchEvent.EventType.PUT,
          e.getKeyValue().getCreateRevision(),
          e.getKeyValue().getValue().toString(StandardCharsets.UTF_8));
    }
  }

  /** Create revision (the term) of every key ever under the election -> revision it was deleted at (MAX while alive). */
  public static Map<Long, Long> leaderKeyLifetimes(Client client, String election) throws Exception {
    return leaderKeyLifetimes(events(client, election));
  }

  /** {@link #leaderKeyLifetimes(Client, String)} from events already read (only the election's keys). */
  public static Map<Long, Long> leaderKeyLifetimes(List<Event> electionEvents) {
    Map<String, Long> termOfKey = new TreeMap<>();
    Map<Long, Long> deletedAt = new TreeMap<>();
    for (Event e : electionEvents) {
      if (e.put()) {
        termOfKey.putIfAbsent(e.key(), e.createRevision());
        deletedAt.putIfAbsent(e.createRevision(), Long.MAX_VALUE);
      } else if (termOfKey.containsKey(e.key())) {
        deletedAt.put(termOfKey.remove(e.key()), e.revision());
      }
    }
    return deletedAt;
  }

  /** Every PUT under {@code dir} as {term that wrote it, revision it landed at}. */
  public static List<long[]> writes(Client client, String dir) throws Exception {
    return events(client, dir).stream()
        .filter(Event::put)
        .map(e -> new long[] {termOf(e.value()), e.revision()})
        .toList();
  }

  /** The {@code term} field of a resource value (0 when it has none). */
  public static long termOf(String value) {
    try {
      return Json.MAPPER.readTree(value).path("term").asLong();
    } catch (IOException ex) {
      throw new AssertionError("not a resource value: " + value, ex);
    }
  }

  /** {@link #history} as {@link Event}s. */
  public static List<Event> events(Client client, String prefix) throws Exception {
    return history(client, prefix).stream().map(Event::of).toList();
  }

  /**
   * Every event under {@code prefix} since revision 1, in order (etcd keeps history until compaction),
   * deletions included. Nothing in a prefix tells when its watch has delivered the last deletion (a
   * deletion leaves no key to date it by, and etcd 3.4 answers a progress request at once, before the
   * watch has caught up), so the watch also covers one key just past the prefix, a marker written
   * after everything else: events come in revision order, so once the marker's put arrives every
   * event under the prefix before it has too. The marker is outside the prefix, so nothing that reads
   * the prefix sees it, and it is deleted again.
   */
  public static List<WatchEvent> history(Client client, String prefix) throws Exception {
    byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
    byte[] end = p.clone();
    end[end.length - 1]++;
    ByteSequence marker = ByteSequence.from(end);
    ByteSequence rangeEnd = ByteSequence.from(java.util.Arrays.copyOf(end, end.length + 1));
    long markerRevision =
        client.getKVClient().put(marker, bytes("history marker")).get(5, TimeUnit.SECONDS).getHeader().getRevision();
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    try (var watcher = client.getWatchClient().watch(
        bytes(prefix),
        WatchOption.builder().withRange(rangeEnd).withRevision(1).build(),
        response -> {
          for (WatchEvent e : response.getEvents()) {
            if (e.getKeyValue().getKey().equals(marker)) {
              if (e.getKeyValue().getModRevision() >= markerRevision) {
                caughtUp.complete(null);
              }
            } else {
              events.add(e);
            }
          }
        })) {
      caughtUp.get(30, TimeUnit.SECONDS);
    } finally {
      client.getKVClient().delete(marker).get(5, TimeUnit.SECONDS);
    }
    List<WatchEvent> history = events.stream().filter(e -> e.getKeyValue().getModRevision() < markerRevision).toList();
    System.out.printf("history of %s: %d events up to revision %d%n", prefix, history.size(), markerRevision);
    return history;
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
