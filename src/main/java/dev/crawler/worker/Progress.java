package dev.crawler.worker;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * One resource's crawl progress as stored under {@code <prefix>/progress/<name>}
 * (docs/worker-protocol.md). Written only by the worker the resource is assigned to, guarded by
 * the resource key's mod revision at which it saw the assignment; read by the next worker to
 * resume from {@code done} and {@code frontier}; deleted by the leader with the resource.
 *
 * @param state {@link #CRAWLING}, {@link #DONE} (the crawl reached its limits or ran out of links)
 *     or {@link #FAILED} (the start page could not be fetched; {@code error} says why)
 * @param pages pages fetched with a 2xx answer
 * @param errors failed attempts by {@link FetchError} kind
 * @param resumes how many times a worker took this crawl over from another's progress; each
 *     take-over re-fetches at most one page (the one in flight when the resource moved)
 * @param done URLs attempted, in order
 * @param frontier URLs found and not yet attempted
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Progress(
    String resource,
    String worker,
    long term,
    String url,
    String state,
    int pages,
    long bytes,
    Map<String, Integer> errors,
    String lastFetch,
    String error,
    int resumes,
    String updatedAt,
    List<String> done,
    List<Frontier.Entry> frontier) {

  public static final String CRAWLING = "crawling";
  public static final String DONE = "done";
  public static final String FAILED = "failed";

  public boolean finished() {
    return DONE.equals(state) || FAILED.equals(state);
  }
}
