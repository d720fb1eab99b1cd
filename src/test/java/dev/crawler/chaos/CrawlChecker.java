package dev.crawler.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pure: the chaos run's invariants from the workers' side (docs/reliability.md).
 *
 * <ol start="7">
 *   <li>Every resource that exists at the end is crawled to its limit: its progress is {@code done}
 *       with {@code limit} URLs attempted.
 *   <li>No resource is crawled by two workers at once for longer than the bound, and no page of a
 *       resource is recorded twice: the page lines of all workers hold each (resource, URL) at most
 *       once, and the time spans in which two workers wrote lines for one resource overlap by at
 *       most {@code overlapBoundMs}.
 * </ol>
 */
final class CrawlChecker {
  private CrawlChecker() {}

  static final int CRAWLED_TO_LIMIT = 7;
  static final int ONE_WORKER_AT_A_TIME = 8;

  /**
   * @param progress each resource present at the end and its progress value (null: none)
   * @param pages every page line every worker wrote, dead ones' included
   */
  static List<ChaosChecker.Violation> check(Map<String, JsonNode> progress, int limit, List<JsonNode> pages,
      long overlapBoundMs) {
    List<ChaosChecker.Violation> out = new ArrayList<>();
    progress.forEach((name, p) -> {
      if (p == null) {
        out.add(new ChaosChecker.Violation(CRAWLED_TO_LIMIT, name + " has no progress: nobody crawled it"));
      } else if (!"done".equals(p.path("state").asText()) || p.path("done").size() != limit) {
        out.add(new ChaosChecker.Violation(CRAWLED_TO_LIMIT, name + " is " + p.path("state").asText() + " with "
            + p.path("done").size() + " of " + limit + " URLs attempted (worker " + p.path("worker").asText()
            + ", error " + p.path("error").asText() + ")"));
      }
    });
    Map<String, Map<String, long[]>> spans = new TreeMap<>();
    Map<String, String> recordedBy = new HashMap<>();
    for (JsonNode page : pages) {
      String resource = page.path("resource").asText();
      String worker = page.path("worker").asText();
      String key = resource + " " + page.path("url").asText();
      String earlier = recordedBy.putIfAbsent(key, worker);
      if (earlier != null) {
        out.add(new ChaosChecker.Violation(ONE_WORKER_AT_A_TIME, "page " + page.path("url").asText() + " of "
            + resource + " recorded twice (by " + earlier + " and " + worker + ")"));
      }
      long at = Instant.parse(page.path("fetchedAt").asText()).toEpochMilli();
      spans.computeIfAbsent(resource, r -> new TreeMap<>())
          .merge(worker, new long[] {at, at}, (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
    }
    spans.forEach((resource, byWorker) -> {
      List<Map.Entry<String, long[]>> list = new ArrayList<>(byWorker.entrySet());
      for (int i = 0; i < list.size(); i++) {
        for (int j = i + 1; j < list.size(); j++) {
          long[] a = list.get(i).getValue();
          long[] b = list.get(j).getValue();
          long overlap = Math.min(a[1], b[1]) - Math.max(a[0], b[0]);
          if (overlap > overlapBoundMs) {
            out.add(new ChaosChecker.Violation(ONE_WORKER_AT_A_TIME, resource + " crawled by " + list.get(i).getKey()
                + " and " + list.get(j).getKey() + " at once for " + overlap + " ms (bound " + overlapBoundMs + " ms)"));
          }
        }
      }
    });
    return out;
  }
}
