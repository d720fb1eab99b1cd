package dev.crawler.worker;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Pure: what one resource's crawl fetches next. Breadth first from the start URL, only URLs of the
 * start URL's origin (scheme, host and port), each at most once (fragments dropped), at most
 * {@code maxDepth} links away from the start page, and at most {@code maxPages} pages attempted in
 * all. Its state ({@link #done()}, {@link #pending()}) is what a worker checkpoints into the
 * resource's progress, so the next worker resumes where this one stopped.
 */
public final class Frontier {

  /** A URL to fetch and how many links away from the start page it was found. */
  public record Entry(String url, int depth) {}

  private final String origin;
  private final int maxPages;
  private final int maxDepth;
  private final Set<String> seen = new LinkedHashSet<>();
  private final Set<String> done = new LinkedHashSet<>();
  private final Deque<Entry> queue = new ArrayDeque<>();

  private Frontier(String origin, int maxPages, int maxDepth) {
    this.origin = origin;
    this.maxPages = maxPages;
    this.maxDepth = maxDepth;
  }

  /** A new crawl of {@code startUrl}; an unusable start URL is queued as given, so its fetch fails visibly. */
  public static Frontier start(String startUrl, int maxPages, int maxDepth) {
    String start = normalize(startUrl).orElse(startUrl);
    Frontier f = new Frontier(originOf(start).orElse(""), maxPages, maxDepth);
    f.seen.add(start);
    f.queue.add(new Entry(start, 0));
    return f;
  }

  /** A crawl taken over from progress: {@code done} are not fetched again, {@code pending} come first. */
  public static Frontier resume(
      String startUrl, int maxPages, int maxDepth, Collection<String> done, Collection<Entry> pending) {
    String start = normalize(startUrl).orElse(startUrl);
    Frontier f = new Frontier(originOf(start).orElse(""), maxPages, maxDepth);
    f.done.addAll(done);
    f.seen.addAll(done);
    for (Entry e : pending) {
      if (f.seen.add(e.url())) {
        f.queue.add(e);
      }
    }
    if (f.done.isEmpty() && f.queue.isEmpty()) {
      f.seen.add(start);
      f.queue.add(new Entry(start, 0));
    }
    return f;
  }

  /** The next URL to fetch, or empty when the crawl is complete (nothing left, or the page limit reached). */
  public Optional<Entry> next() {
    if (done.size() >= maxPages) {
      return Optional.empty();
    }
    return Optional.ofNullable(queue.peekFirst());
  }

  /**
   * Records that {@code entry} was attempted (fetched or failed) and queues its {@code links}
   * that are new, of the same origin and within the depth limit.
   */
  public void attempted(Entry entry, List<String> links) {
    queue.remove(entry);
    done.add(entry.url());
    if (entry.depth() >= maxDepth) {
      return;
    }
    for (String link : links) {
      Optional<String> url = normalize(link).filter(u -> originOf(u).map(origin::equals).orElse(false));
      if (url.isPresent() && seen.add(url.get())) {
        queue.add(new Entry(url.get(), entry.depth() + 1));
      }
    }
  }

  public boolean complete() {
    return next().isEmpty();
  }

  /** URLs attempted so far, in order. */
  public List<String> done() {
    return List.copyOf(done);
  }

  /** URLs found and not yet attempted, in the order they will be (only as many as can still be fetched). */
  public List<Entry> pending() {
    int room = Math.max(0, maxPages - done.size());
    List<Entry> out = new ArrayList<>(Math.min(room, queue.size()));
    for (Entry e : queue) {
      if (out.size() >= room) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  /**
   * The URL as the crawl compares it: http or https only, no fragment, host in lower case, the
   * default port dropped, an empty path as "/". Empty for anything else (mailto:, javascript:, junk).
   */
  public static Optional<String> normalize(String url) {
    try {
      URI u = new URI(url.trim());
      String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
      if (!"http".equals(scheme) && !"https".equals(scheme) || u.getHost() == null || u.getRawUserInfo() != null) {
        return Optional.empty();
      }
      int port = u.getPort();
      if (port == 80 && scheme.equals("http") || port == 443 && scheme.equals("https")) {
        port = -1;
      }
      String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
      String query = u.getRawQuery() == null ? "" : "?" + u.getRawQuery();
      return Optional.of(scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (port == -1 ? "" : ":" + port) + path + query);
    } catch (URISyntaxException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** {@code scheme://host[:port]} of a normalized URL. */
  public static Optional<String> originOf(String normalizedUrl) {
    try {
      URI u = new URI(normalizedUrl);
      if (u.getScheme() == null || u.getHost() == null) {
        return Optional.empty();
      }
      return Optional.of(u.getScheme() + "://" + u.getHost() + (u.getPort() == -1 ? "" : ":" + u.getPort()));
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
  }
}
