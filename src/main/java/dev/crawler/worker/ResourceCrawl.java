package dev.crawler.worker;

import crawlercommons.robots.BaseRobotRules;
import dev.crawler.api.Resource;
import dev.crawler.etcd.EtcdUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One resource's crawl on this worker, from the progress it finds (or the start URL) until its
 * limits are reached, it runs out of links, or it is {@link #cancel() cancelled} because the
 * resource moved, was deleted or this worker's lease was lost. After each attempted page it writes
 * the progress, guarded by the assignment revision; a rejected write ends the crawl at once, and
 * only a recorded page goes to the sink.
 */
final class ResourceCrawl implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(ResourceCrawl.class);
  private static final long CHECKPOINT_RETRY_MILLIS = 200;

  /** What every crawl of one worker shares. */
  record Services(
      String workerId,
      ProgressStore progress,
      PageFetcher fetcher,
      RobotsCache robots,
      Politeness politeness,
      PageSink sink,
      WorkerMetrics metrics,
      long delayMillis) {}

  private final Services s;
  private final Resource resource;
  private final long assignmentRevision;
  private final AtomicReference<HttpGet> inFlight = new AtomicReference<>();
  private volatile boolean cancelled;
  private volatile String cancelledBecause;
  private volatile boolean finished;

  ResourceCrawl(Services services, Resource resource, long assignmentRevision) {
    this.s = services;
    this.resource = resource;
    this.assignmentRevision = assignmentRevision;
  }

  String name() {
    return resource.name();
  }

  long assignmentRevision() {
    return assignmentRevision;
  }

  boolean finished() {
    return finished;
  }

  /** Stops the crawl as soon as possible: the fetch in flight is aborted, nothing more is written. */
  void cancel(String why) {
    if (!cancelled) {
      cancelledBecause = why;
      cancelled = true;
      HttpGet get = inFlight.get();
      if (get != null) {
        get.cancel();
      }
    }
  }

  @Override
  public void run() {
    s.metrics().crawlStarted();
    try {
      crawl();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("crawl of {} ended: {}", resource.name(), e.toString());
    } finally {
      finished = true;
      s.metrics().crawlEnded();
      if (cancelled) {
        log.info("stopped crawling {}: {}", resource.name(), cancelledBecause);
      }
    }
  }

  private void crawl() throws InterruptedException {
    Optional<Progress> prior = s.progress().read(resource.name());
    if (prior.isPresent() && prior.get().finished()) {
      log.info("{} is {} already ({} pages); nothing to do", resource.name(), prior.get().state(), prior.get().pages());
      return;
    }
    Frontier frontier;
    Counts counts = new Counts();
    if (prior.isPresent()) {
      Progress p = prior.get();
      frontier = Frontier.resume(resource.url(), resource.pageLimit(), resource.depthLimit(), p.done(), p.frontier());
      counts.pages = p.pages();
      counts.bytes = p.bytes();
      counts.errors.putAll(p.errors() == null ? Map.of() : p.errors());
      counts.lastFetch = p.lastFetch();
      counts.resumes = p.resumes() + (s.workerId().equals(p.worker()) ? 0 : 1);
      if (counts.resumes > p.resumes()) {
        s.metrics().resumed();
      }
      log.info("resuming {} from the progress of {}: {} pages done, {} queued",
          resource.name(), p.worker(), p.done().size(), p.frontier().size());
    } else {
      frontier = Frontier.start(resource.url(), resource.pageLimit(), resource.depthLimit());
      log.info("crawling {} from {} (at most {} pages, depth {})",
          resource.name(), resource.url(), resource.pageLimit(), resource.depthLimit());
    }
    String start = Frontier.normalize(resource.url()).orElse(resource.url());
    Optional<String> origin = Frontier.originOf(start);
    if (origin.isEmpty()) {
      counts.error(FetchError.OTHER, s.metrics());
      checkpoint(frontier, counts, Progress.FAILED, "not an http(s) URL: " + resource.url());
      return;
    }
    RobotsCache.Lookup robots = s.robots().lookup(origin.get());
    if (cancelled) {
      return;
    }
    if (!robots.reachable()) {
      counts.error(robots.unreachable(), s.metrics());
      checkpoint(frontier, counts, Progress.FAILED, "site unreachable: " + robots.message());
      return;
    }
    BaseRobotRules rules = robots.rules();
    long delay = Math.max(s.delayMillis(), RobotsCache.crawlDelayMillis(rules));
    String host = URI.create(start).getHost();
    String startFailure = null;
    while (!cancelled) {
      Optional<Frontier.Entry> next = frontier.next();
      if (next.isEmpty()) {
        break;
      }
      Frontier.Entry entry = next.get();
      if (!rules.isAllowed(entry.url())) {
        counts.error(FetchError.ROBOTS_DISALLOWED, s.metrics());
        frontier.attempted(entry, List.of());
        if (entry.depth() == 0) {
          startFailure = "robots.txt disallows " + entry.url() + " for " + RobotsCache.AGENT;
        }
        if (!checkpoint(frontier, counts, Progress.CRAWLING, null)) {
          return;
        }
        continue;
      }
      if (!s.politeness().await(host, delay, () -> cancelled)) {
        return;
      }
      long t0 = System.nanoTime();
      s.metrics().fetchStarted();
      PageFetcher.Result r;
      try {
        r = s.fetcher().fetch(entry.url(), inFlight);
      } finally {
        s.metrics().fetchEnded();
      }
      long millis = (System.nanoTime() - t0) / 1_000_000;
      if (cancelled) {
        return;
      }
      List<String> links = List.of();
      String title = null;
      if (r.ok()) {
        counts.pages++;
        counts.bytes += r.bytes();
        s.metrics().page(r.bytes());
        if (PageFetcher.mimeType(r.contentType()).map(m -> m.equals("text/html") || m.equals("application/xhtml+xml"))
            .orElse(false)) {
          try {
            // jsoup picks the charset from the page's meta tag, else UTF-8.
            Document doc = Jsoup.parse(new java.io.ByteArrayInputStream(r.body()), null, entry.url());
            title = doc.title();
            List<String> found = new ArrayList<>();
            for (Element a : doc.select("a[href]")) {
              String abs = a.absUrl("href");
              if (!abs.isEmpty()) {
                found.add(abs);
              }
            }
            links = found;
          } catch (IOException e) {
            log.debug("cannot parse {}: {}", entry.url(), e.toString());
          }
        }
      } else if (r.error() == null && r.location() != null) {
        links = List.of(r.location());
      } else {
        counts.error(r.error() == null ? FetchError.OTHER : r.error(), s.metrics());
        if (entry.depth() == 0) {
          startFailure = r.message();
        }
      }
      frontier.attempted(entry, links);
      counts.lastFetch = Instant.now().toString();
      if (!checkpoint(frontier, counts, Progress.CRAWLING, null)) {
        return;
      }
      if (r.ok()) {
        try {
          s.sink().write(new PageRecord(resource.name(), entry.url(), r.status(), r.contentType(), r.bytes(),
              counts.lastFetch, millis, entry.depth(), title, links, s.workerId(), resource.term()));
        } catch (IOException e) {
          log.warn("cannot write page {} of {} to the sink: {}", entry.url(), resource.name(), e.toString());
        }
      }
    }
    if (!cancelled) {
      boolean failed = counts.pages == 0 && startFailure != null;
      if (checkpoint(frontier, counts, failed ? Progress.FAILED : Progress.DONE, failed ? startFailure : null)) {
        log.info("{} {}: {} pages, {} bytes, errors {}", resource.name(), failed ? "failed" : "done",
            counts.pages, counts.bytes, counts.errors);
        s.metrics().crawlFinished(failed);
      }
    }
  }

  /** Writes the progress; false (and the crawl cancelled) when the resource is no longer this worker's. */
  private boolean checkpoint(Frontier frontier, Counts counts, String state, String error) throws InterruptedException {
    Progress p = new Progress(resource.name(), s.workerId(), resource.term(), resource.url(), state, counts.pages,
        counts.bytes, new TreeMap<>(counts.errors), counts.lastFetch, error, counts.resumes, Instant.now().toString(),
        frontier.done(), frontier.pending());
    while (!cancelled) {
      try {
        if (s.progress().write(assignmentRevision, p)) {
          return true;
        }
        s.metrics().progressFenced();
        cancel("its progress write was refused: the resource moved or was deleted (assignment revision "
            + assignmentRevision + ")");
        return false;
      } catch (EtcdUnavailableException e) {
        log.warn("{}; retrying", e.getMessage());
        Thread.sleep(CHECKPOINT_RETRY_MILLIS);
      }
    }
    return false;
  }

  private static final class Counts {
    int pages;
    long bytes;
    final Map<String, Integer> errors = new TreeMap<>();
    String lastFetch;
    int resumes;

    void error(FetchError kind, WorkerMetrics metrics) {
      errors.merge(kind.label(), 1, Integer::sum);
      metrics.fetchError(kind);
    }
  }
}
