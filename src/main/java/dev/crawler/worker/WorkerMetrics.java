package dev.crawler.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/** A worker's Prometheus metrics (docs/metrics.md, "Worker"). */
public final class WorkerMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger crawling = new AtomicInteger();
  private final Counter pages;
  private final Counter bytes;
  private final Counter fenced;
  private final Counter resumes;
  private final Counter done;
  private final Counter failed;

  public WorkerMetrics() {
    pages = Counter.builder("crawler.worker.pages").description("pages fetched with a 2xx answer").register(registry);
    bytes = Counter.builder("crawler.worker.bytes").description("body bytes of the pages fetched").register(registry);
    fenced = Counter.builder("crawler.worker.progress.fenced")
        .description("progress writes etcd refused because the resource had moved or was deleted; each ends a crawl")
        .register(registry);
    resumes = Counter.builder("crawler.worker.resumes")
        .description("crawls taken over from another worker's progress").register(registry);
    done = Counter.builder("crawler.worker.crawls").tag("outcome", "done")
        .description("crawls this worker finished, by outcome").register(registry);
    failed = Counter.builder("crawler.worker.crawls").tag("outcome", "failed")
        .description("crawls this worker finished, by outcome").register(registry);
    for (FetchError e : FetchError.values()) {
      error(e);
    }
    Gauge.builder("crawler.worker.fetches.in_flight", inFlight, AtomicInteger::get)
        .description("fetches under way").register(registry);
    Gauge.builder("crawler.worker.crawls.running", crawling, AtomicInteger::get)
        .description("resources being crawled now").register(registry);
  }

  /** Registers the gauges read from the worker at scrape time. */
  public void bind(IntSupplier held, IntSupplier registered) {
    Gauge.builder("crawler.worker.resources.held", held, s -> s.getAsInt())
        .description("resources assigned to this worker that it crawls or queues").register(registry);
    Gauge.builder("crawler.worker.registered", registered, s -> s.getAsInt())
        .description("1 while this worker's registration lease is valid, else 0").register(registry);
  }

  private Counter error(FetchError kind) {
    return Counter.builder("crawler.worker.fetch.errors").tag("kind", kind.label())
        .description("failed page attempts by kind").register(registry);
  }

  void page(long size) {
    pages.increment();
    bytes.increment(size);
  }

  void fetchError(FetchError kind) {
    error(kind).increment();
  }

  void fetchStarted() {
    inFlight.incrementAndGet();
  }

  void fetchEnded() {
    inFlight.decrementAndGet();
  }

  void crawlStarted() {
    crawling.incrementAndGet();
  }

  void crawlEnded() {
    crawling.decrementAndGet();
  }

  void crawlFinished(boolean wasFailure) {
    (wasFailure ? failed : done).increment();
  }

  void progressFenced() {
    fenced.increment();
  }

  void resumed() {
    resumes.increment();
  }

  public String scrape() {
    return registry.scrape();
  }
}
