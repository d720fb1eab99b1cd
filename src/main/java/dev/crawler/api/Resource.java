package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A crawl task as stored under {@code <prefix>/resources/<name>}: what the leader writes and a
 * worker reads (docs/worker-protocol.md). {@code worker} is null while unassigned; {@code term}
 * is the leader term that last wrote the value, kept so that anyone can check from etcd alone which
 * leader wrote what. {@code maxPages} and {@code maxDepth} are the crawl's limits, absent for the
 * defaults.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Resource(
    String name,
    String url,
    String worker,
    long term,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer maxPages,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer maxDepth) {

  public static final int DEFAULT_MAX_PAGES = 100;
  public static final int MIN_MAX_PAGES = 1;
  public static final int MAX_MAX_PAGES = 10_000;
  public static final int DEFAULT_MAX_DEPTH = 3;
  public static final int MIN_MAX_DEPTH = 0;
  public static final int MAX_MAX_DEPTH = 10;

  public Resource(String name, String url, String worker, long term) {
    this(name, url, worker, term, null, null);
  }

  public Resource withAssignment(String newWorker, long newTerm) {
    return new Resource(name, url, newWorker, newTerm, maxPages, maxDepth);
  }

  /** Pages a crawl of this resource fetches at most. */
  @JsonIgnore
  public int pageLimit() {
    return maxPages == null ? DEFAULT_MAX_PAGES : maxPages;
  }

  /** Links followed from the start page at most (0: the start page only). */
  @JsonIgnore
  public int depthLimit() {
    return maxDepth == null ? DEFAULT_MAX_DEPTH : maxDepth;
  }
}
