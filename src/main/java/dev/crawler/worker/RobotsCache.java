package dev.crawler.worker;

import crawlercommons.robots.BaseRobotRules;
import crawlercommons.robots.SimpleRobotRulesParser;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * robots.txt per origin, parsed by crawler-commons (the parser of the common crawlers) and kept
 * for {@link #TTL_MILLIS}. A missing robots.txt (4xx) allows everything; a 5xx answer disallows
 * everything for now, as the robots exclusion standard asks. A site that cannot be reached at all
 * (no name, refused, private, no answer) is reported as such, so its crawl fails with that reason
 * rather than with "disallowed".
 */
public final class RobotsCache {
  /** The agent token robots.txt groups are matched against. */
  public static final String AGENT = "crawler-master-worker";
  /** A Crawl-delay beyond this is capped, so one site cannot stall a worker's resource for ever. */
  public static final long MAX_CRAWL_DELAY_MILLIS = 10_000;
  static final long TTL_MILLIS = 10 * 60_000;
  /** An unreachable site is asked again this soon. */
  static final long UNREACHABLE_TTL_MILLIS = 30_000;
  private static final Set<FetchError> UNREACHABLE =
      EnumSet.of(FetchError.DNS, FetchError.PRIVATE_ADDRESS, FetchError.CONNECT, FetchError.TIMEOUT, FetchError.OTHER);

  /** The rules of an origin, or why its robots.txt could not be asked at all. */
  public record Lookup(BaseRobotRules rules, FetchError unreachable, String message, long atMillis) {
    public boolean reachable() {
      return unreachable == null;
    }
  }

  private final PageFetcher fetcher;
  private final Map<String, Lookup> byOrigin = new ConcurrentHashMap<>();
  private final SimpleRobotRulesParser parser = new SimpleRobotRulesParser(MAX_CRAWL_DELAY_MILLIS, 5);

  public RobotsCache(PageFetcher fetcher) {
    this.fetcher = fetcher;
  }

  public Lookup lookup(String origin) {
    long now = System.currentTimeMillis();
    return byOrigin.compute(origin, (o, old) -> old != null
        && now - old.atMillis() < (old.reachable() ? TTL_MILLIS : UNREACHABLE_TTL_MILLIS) ? old : load(o, now));
  }

  private Lookup load(String origin, long now) {
    String url = origin + "/robots.txt";
    PageFetcher.Result r = fetcher.fetch(url, new AtomicReference<>());
    if (r.error() != null && UNREACHABLE.contains(r.error())) {
      return new Lookup(parser.failedFetch(503), r.error(), r.message(), now);
    }
    if (r.error() == null && r.status() >= 200 && r.status() < 300) {
      String type = r.contentType() == null ? "text/plain" : r.contentType();
      return new Lookup(parser.parseContent(url, r.body(), type, List.of(AGENT)), null, null, now);
    }
    return new Lookup(parser.failedFetch(r.status() == 0 ? 503 : r.status()), null, null, now);
  }

  /** The delay robots.txt asks for, in milliseconds, 0 when it sets none. */
  public static long crawlDelayMillis(BaseRobotRules rules) {
    long d = rules.getCrawlDelay();
    return d == BaseRobotRules.UNSET_CRAWL_DELAY || d < 0 ? 0 : Math.min(d, MAX_CRAWL_DELAY_MILLIS);
  }
}
