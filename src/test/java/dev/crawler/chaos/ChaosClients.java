package dev.crawler.chaos;

import dev.crawler.api.MasterPaths;
import dev.crawler.support.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Clients that create and delete resources through random replicas, as the README tells users to:
 * any replica takes a request (followers forward it to the leader); a 503 is retried after its
 * Retry-After, a request that got no answer is retried on another replica. Every attempt goes
 * into the history.
 */
final class ChaosClients {
  /** How long one logical operation keeps retrying before the client gives up on it. */
  private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(30);
  /** Each client keeps about this many resources: more and it deletes rather than creates. */
  private static final int KEEP = 30;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1).build();
  private final Supplier<List<String>> replicas;
  private final List<ClientOp> history = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  /** Why a client thread ended before it was told to stop. */
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private volatile boolean stopping;

  /** @param replicas the replicas' {@code host:port} by index, read for every attempt */
  private String siteBase = "https://example.com";
  private int crawlLimit = 1;

  /** Clients whose resources point at {@code siteBase} (a site of this machine), {@code crawlLimit} pages each. */
  ChaosClients(Supplier<List<String>> replicas, String siteBase, int crawlLimit) {
    this(replicas);
    this.siteBase = siteBase;
    this.crawlLimit = crawlLimit;
  }

  ChaosClients(Supplier<List<String>> replicas) {
    this.replicas = replicas;
  }

  void start(int clients, long seed) {
    for (int c = 0; c < clients; c++) {
      String id = "c" + c;
      Random random = new Random(seed * 17 + c);
      Thread t = new Thread(() -> {
        try {
          run(id, random);
        } catch (RuntimeException | Error e) {
          failures.add("client " + id + " died: " + e);
          throw e;
        }
      }, "chaos-client-" + id);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  List<ClientOp> history() {
    return List.copyOf(history);
  }

  private void run(String client, Random random) {
    List<String> mine = new ArrayList<>();
    int next = 0;
    while (!stopping) {
      try {
        boolean create = mine.isEmpty() || (mine.size() < KEEP ? random.nextInt(10) < 6 : random.nextInt(10) < 3);
        if (create) {
          String name = client + "-r" + next++;
          String body = Json.MAPPER.writeValueAsString(Map.of("name", name,
              "url", siteBase + "/p/" + (1 + Math.floorMod(name.hashCode(), 400)), "maxPages", crawlLimit, "maxDepth", 3));
          int status = attempt(client, ClientOp.Kind.CREATE, name, "POST", MasterPaths.RESOURCES, body, random);
          // Gave up (status < 0): it may exist; deleting it later finds out.
          mine.add(name);
          if (status == 400) {
            throw new IllegalStateException("the master refused " + body);
          }
        } else {
          String name = mine.remove(random.nextInt(mine.size()));
          int status = attempt(client, ClientOp.Kind.DELETE, name, "DELETE", MasterPaths.resource(name), null, random);
          if (status != 204 && status != 404) {
            mine.add(name);
          }
        }
        Thread.sleep(50 + random.nextInt(150));
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** One logical operation with its retries; returns the final status (-1: gave up without a definite answer). */
  private int attempt(String client, ClientOp.Kind kind, String name, String method, String path, String body, Random random)
      throws InterruptedException {
    long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
    while (System.nanoTime() < deadline && !stopping) {
      List<String> all = replicas.get();
      String replica = all.get(random.nextInt(all.size()));
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + replica + path))
          .timeout(Duration.ofSeconds(8))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (body != null) {
        request.header("Content-Type", "application/json");
      }
      long invoked = System.currentTimeMillis();
      int status = -1;
      String servedBy = null;
      long term = 0;
      String retryAfter = null;
      try {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        status = response.statusCode();
        servedBy = response.headers().firstValue(MasterPaths.SERVED_BY_HEADER).orElse(null);
        retryAfter = response.headers().firstValue("Retry-After").orElse(null);
        if (status == 201) {
          term = Json.MAPPER.readTree(response.body()).path("term").asLong();
        }
      } catch (IOException noAnswer) {
        // refused, reset or timed out: retried on another replica
      }
      history.add(new ClientOp(client, kind, name, replica, invoked, System.currentTimeMillis(), status, servedBy, term));
      if (status >= 0 && status < 500) {
        return status;
      }
      Thread.sleep(status == 503 ? retryAfterMs(retryAfter) : 200);
    }
    return -1;
  }

  /**
   * How long to wait after a 503: its Retry-After in seconds, at most 2 s; 200 ms when it is
   * missing or not a number of seconds (an HTTP date, garbage).
   */
  static long retryAfterMs(String retryAfter) {
    if (retryAfter == null) {
      return 200;
    }
    try {
      long seconds = Long.parseLong(retryAfter.trim());
      return seconds < 0 ? 200 : Math.min(2000, seconds * 1000);
    } catch (NumberFormatException e) {
      return 200;
    }
  }

  /**
   * Stops the clients after their current attempt. Returns what went wrong with the clients
   * themselves (a thread that died early or does not stop): empty when all ran to the end.
   */
  List<String> close() throws InterruptedException {
    // Asked before stopping: a thread that is not alive now ended on its own.
    List<String> problems = new ArrayList<>();
    for (Thread t : threads) {
      if (!t.isAlive()) {
        problems.add(t.getName() + " ended before the run did");
      }
    }
    stopping = true;
    for (Thread t : threads) {
      t.join(15_000);
      if (t.isAlive()) {
        problems.add(t.getName() + " did not stop within 15 s");
      }
    }
    problems.addAll(0, failures);
    return problems;
  }
}
