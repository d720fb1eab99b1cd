package dev.crawler.worker;

import dev.crawler.api.KeyLayout;
import dev.crawler.api.Resource;
import dev.crawler.api.Worker;
import dev.crawler.etcd.Backoff;
import dev.crawler.etcd.EtcdCredentials;
import dev.crawler.support.Json;
import dev.crawler.election.Session;
import dev.crawler.support.Threads;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One crawl worker (docs/worker-protocol.md). A supervisor thread keeps it registered and follows
 * its assignments:
 *
 * <ol>
 *   <li>open a {@link Session} (its own lease) and put {@code <prefix>/workers/<id>} on it;
 *   <li>read {@code <prefix>/resources/} (linearizable), start a crawl of every resource whose
 *       {@code worker} is this id, remembering the key's mod revision (the assignment revision);
 *   <li>watch the directory from the read's revision + 1: a put that gives a resource to this
 *       worker starts its crawl, a put that gives it to another (or nobody) or a delete stops it,
 *       a put at a new revision restarts it from its progress; a watch that ends or fails
 *       (compaction included) is followed by a fresh read;
 *   <li>when the session is lost (keep-alives failed for longer than the TTL, or etcd says the
 *       lease is gone) every crawl stops at once, before etcd can have expired the lease and the
 *       leader moved the resources, and the worker starts over at 1 with a new lease.
 * </ol>
 *
 * <p>Besides this self-fencing, every progress write is guarded by the assignment revision, so a
 * crawl that has not yet noticed a move can record nothing more.
 */
public final class CrawlWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CrawlWorker.class);
  private static final Duration ETCD_TIMEOUT = Duration.ofSeconds(3);
  private static final GetOption PREFIX = GetOption.builder().isPrefix(true).build();

  private final WorkerConfig config;
  private final Client client;
  private final KeyLayout layout;
  private final WorkerMetrics metrics = new WorkerMetrics();
  private final ResourceCrawl.Services services;
  private final PageFetcher fetcher;
  private final PageSink sink;
  private final ExecutorService crawls;
  private final Map<String, ResourceCrawl> held = new ConcurrentHashMap<>();
  private final Thread supervisor;
  private final WorkerServer server;
  private volatile Session session;
  private volatile boolean watching;
  private volatile boolean closed;

  private CrawlWorker(WorkerConfig config, Client client, PageSink sink) throws IOException {
    this.config = config;
    this.client = client;
    this.layout = config.layout();
    this.sink = sink;
    this.fetcher = new PageFetcher(config.allowPrivateTargets(), config.maxBodyBytes());
    this.services = new ResourceCrawl.Services(config.id(), new ProgressStore(client.getKVClient(), layout), fetcher,
        new RobotsCache(fetcher), new Politeness(), sink, metrics, config.crawlDelayMillis());
    this.crawls = Executors.newFixedThreadPool(config.maxConcurrentResources(), Threads.numberedDaemons("crawl"));
    metrics.bind(() -> (int) held.values().stream().filter(c -> !c.finished()).count(), () -> registered() ? 1 : 0);
    this.server = WorkerServer.start(config, this);
    this.supervisor = new Thread(this::supervise, "worker-supervisor");
  }

  /** Connects to etcd, starts serving probes and metrics, and starts following assignments. */
  public static CrawlWorker start(WorkerConfig config, EtcdCredentials credentials)
      throws IOException, EtcdCredentials.InvalidMaterialException {
    Client client = credentials.connect(config.etcdEndpoints(), Duration.ofSeconds(2));
    List<PageSink> sinks = new ArrayList<>();
    try {
      sinks = sinks(config);
      CrawlWorker w = new CrawlWorker(config, client, sinks.size() == 1 ? sinks.get(0) : new FanOut(sinks));
      w.supervisor.start();
      log.info("worker {} started: etcd {}, prefix {}, port {}, output {}", config.id(), config.etcdEndpoints(),
          layout(config), w.server.port(), describeOutput(config));
      return w;
    } catch (IOException | RuntimeException e) {
      for (PageSink s : sinks) {
        s.close();
      }
      client.close();
      throw e;
    }
  }

  private static String layout(WorkerConfig config) {
    return config.layout().prefix();
  }

  private static String describeOutput(WorkerConfig config) {
    List<String> out = new ArrayList<>();
    if (config.outputDir() != null) {
      out.add(config.outputDir().toString());
    }
    if (config.outputStdout()) {
      out.add("stdout");
    }
    return out.isEmpty() ? "none" : String.join(" + ", out);
  }

  /** The sinks the configuration asks for; add another kind of sink here. */
  static List<PageSink> sinks(WorkerConfig config) throws IOException {
    List<PageSink> sinks = new ArrayList<>();
    if (config.outputDir() != null) {
      sinks.add(new JsonLinesFiles(config.outputDir(), config.id(), JsonLinesFiles.DEFAULT_ROTATE_BYTES));
    }
    if (config.outputStdout()) {
      sinks.add(new StdoutSink(System.out));
    }
    if (sinks.isEmpty()) {
      sinks.add(new FanOut(List.of()));
    }
    return sinks;
  }

  public WorkerMetrics metrics() {
    return metrics;
  }

  public int port() {
    return server.port();
  }

  /** True while the registration lease is valid. */
  public boolean registered() {
    Session s = session;
    return s != null && s.isValid();
  }

  /** Ready: registered, and the assignments watch is running. */
  public boolean ready() {
    return registered() && watching;
  }

  private void supervise() {
    Backoff.Retry retry = Backoff.DEFAULT.retry();
    while (!closed) {
      Session s = null;
      try {
        s = Session.open(client, config.leaseTtl(), ETCD_TIMEOUT);
        session = s;
        register(s);
        log.info("registered as {} at {} (lease {}, TTL {} s)", config.id(), config.advertiseAddress(),
            Long.toHexString(s.leaseId()), config.leaseTtl().toSeconds());
        retry.reset();
        follow(s);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        if (!closed) {
          log.warn("cannot register or follow assignments: {}", e.toString());
        }
      } finally {
        watching = false;
        if (!closed) {
          String why = s == null ? "no lease" : s.lost().getNow("lease ended");
          if (s != null) {
            log.warn("lease {} is lost ({}); every crawl stops, then this worker registers again",
                Long.toHexString(s.leaseId()), why);
          }
          stopAll("this worker's lease is lost (" + why + ")");
          if (s != null) {
            s.close(Duration.ofSeconds(1));
          }
        }
      }
      if (!closed) {
        try {
          Thread.sleep(retry.next().toMillis());
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private void register(Session s) throws Exception {
    byte[] value = Json.MAPPER.writeValueAsBytes(new Worker(config.id(), config.advertiseAddress()));
    client.getKVClient()
        .put(bytes(layout.worker(config.id())), ByteSequence.from(value), PutOption.builder().withLeaseId(s.leaseId()).build())
        .get(ETCD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Follows assignments until the session is lost or the worker closes. */
  private void follow(Session s) throws Exception {
    while (!closed && !s.lost().isDone()) {
      GetResponse snapshot = client.getKVClient().get(bytes(layout.resourcesDir()), PREFIX)
          .get(ETCD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      Map<String, KeyValue> mine = new HashMap<>();
      for (KeyValue kv : snapshot.getKvs()) {
        parse(kv).filter(r -> config.id().equals(r.worker())).ifPresent(r -> mine.put(r.name(), kv));
      }
      for (String name : List.copyOf(held.keySet())) {
        if (!mine.containsKey(name)) {
          stop(name, "it is no longer assigned to this worker");
        }
      }
      for (KeyValue kv : mine.values()) {
        take(kv);
      }
      BlockingQueue<Object> events = new LinkedBlockingQueue<>();
      long from = snapshot.getHeader().getRevision() + 1;
      try (Watch.Watcher w = client.getWatchClient().watch(bytes(layout.resourcesDir()),
          WatchOption.builder().isPrefix(true).withRevision(from).build(),
          Watch.listener(events::add, events::add, () -> events.add("completed")))) {
        watching = true;
        while (!closed && !s.lost().isDone()) {
          Object e = events.poll(100, TimeUnit.MILLISECONDS);
          if (e instanceof WatchResponse r) {
            r.getEvents().forEach(this::apply);
          } else if (e != null) {
            log.info("assignments watch ended ({}); reading them again", e);
            break;
          }
        }
      } finally {
        watching = false;
      }
    }
  }

  private void apply(WatchEvent event) {
    KeyValue kv = event.getKeyValue();
    String name = kv.getKey().toString(StandardCharsets.UTF_8).substring(layout.resourcesDir().length());
    if (event.getEventType() == WatchEvent.EventType.DELETE) {
      stop(name, "the resource was deleted");
      return;
    }
    Optional<Resource> r = parse(kv);
    if (r.isPresent() && config.id().equals(r.get().worker())) {
      take(kv);
    } else {
      stop(name, "it was assigned to " + r.map(Resource::worker).orElse("nobody"));
    }
  }

  /** Starts crawling a resource given to this worker, or restarts it if it was written again since. */
  private void take(KeyValue kv) {
    Optional<Resource> r = parse(kv);
    if (r.isEmpty()) {
      return;
    }
    ResourceCrawl current = held.get(r.get().name());
    if (current != null && current.assignmentRevision() == kv.getModRevision()) {
      return;
    }
    if (current != null) {
      stop(current.name(), "it was assigned again (revision " + kv.getModRevision() + ")");
    }
    ResourceCrawl crawl = new ResourceCrawl(services, r.get(), kv.getModRevision());
    held.put(crawl.name(), crawl);
    log.info("took {} (term {}, assignment revision {})", crawl.name(), r.get().term(), kv.getModRevision());
    crawls.execute(crawl);
  }

  private void stop(String name, String why) {
    ResourceCrawl crawl = held.remove(name);
    if (crawl != null) {
      crawl.cancel(why);
    }
  }

  private void stopAll(String why) {
    for (String name : List.copyOf(held.keySet())) {
      stop(name, why);
    }
  }

  private Optional<Resource> parse(KeyValue kv) {
    try {
      Resource r = Json.MAPPER.readValue(kv.getValue().getBytes(), Resource.class);
      return r.name() == null || r.url() == null ? Optional.empty() : Optional.of(r);
    } catch (IOException e) {
      log.warn("ignoring unreadable resource at {}: {}", kv.getKey().toString(StandardCharsets.UTF_8), e.getMessage());
      return Optional.empty();
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /**
   * Stops crawling, then revokes the lease so the leader moves this worker's resources at once
   * instead of after the TTL. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    supervisor.interrupt();
    stopAll("the worker is shutting down");
    crawls.shutdownNow();
    try {
      supervisor.join(5000);
      crawls.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Session s = session;
    if (s != null) {
      s.close(Duration.ofSeconds(2));
    }
    server.close();
    try {
      sink.close();
      fetcher.close();
    } catch (IOException e) {
      log.warn("closing: {}", e.toString());
    }
    client.close();
    log.info("worker {} stopped", config.id());
  }

  /** Several sinks as one; also the sink of no output at all. */
  static final class FanOut implements PageSink {
    private final List<PageSink> sinks;

    FanOut(List<PageSink> sinks) {
      this.sinks = sinks;
    }

    @Override
    public void write(PageRecord page) throws IOException {
      for (PageSink s : sinks) {
        s.write(page);
      }
    }

    @Override
    public void close() throws IOException {
      for (PageSink s : sinks) {
        s.close();
      }
    }
  }
}
