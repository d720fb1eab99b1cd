package dev.crawler.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.support.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CrawlCheckerTest {
  private static JsonNode json(String s) throws Exception {
    return Json.MAPPER.readTree(s);
  }

  private static JsonNode page(String resource, String url, String worker, String at) throws Exception {
    return json("{\"resource\":\"" + resource + "\",\"url\":\"" + url + "\",\"worker\":\"" + worker
        + "\",\"fetchedAt\":\"" + at + "\"}");
  }

  private static JsonNode done(int attempted) throws Exception {
    return json("{\"state\":\"done\",\"worker\":\"w1\",\"done\":" + "[\"u\"" + ",\"u\"".repeat(attempted - 1) + "]}");
  }

  @Test
  void aHandOverWithoutOverlapAndEveryCrawlDoneIsClean() throws Exception {
    List<JsonNode> pages = List.of(
        page("r", "/1", "w1", "2026-12-07T00:00:00Z"), page("r", "/2", "w1", "2026-12-07T00:00:01Z"),
        page("r", "/3", "w2", "2026-12-07T00:00:04Z"), page("r", "/4", "w2", "2026-12-07T00:00:05Z"));
    assertThat(CrawlChecker.check(Map.of("r", done(4)), 4, pages, 1000)).isEmpty();
  }

  @Test
  void aCrawlNotDoneOrShortOfItsLimitOrWithoutProgressIsAViolation() throws Exception {
    var v = CrawlChecker.check(new java.util.TreeMap<>(Map.of("a", done(3), "b",
        json("{\"state\":\"crawling\",\"done\":[\"u\"]}"))), 4, List.of(), 1000);
    assertThat(v).extracting(ChaosChecker.Violation::invariant).containsOnly(CrawlChecker.CRAWLED_TO_LIMIT);
    assertThat(v).hasSize(2);
    java.util.Map<String, JsonNode> none = new java.util.HashMap<>();
    none.put("c", null);
    assertThat(CrawlChecker.check(none, 4, List.of(), 1000)).singleElement()
        .satisfies(x -> assertThat(x.message()).contains("nobody crawled it"));
  }

  @Test
  void twoWorkersOnOneResourceAtOnceBeyondTheBoundAndAPageRecordedTwiceAreViolations() throws Exception {
    List<JsonNode> pages = List.of(
        page("r", "/1", "w1", "2026-12-07T00:00:00Z"), page("r", "/2", "w1", "2026-12-07T00:00:05Z"),
        page("r", "/3", "w2", "2026-12-07T00:00:02Z"), page("r", "/1", "w2", "2026-12-07T00:00:04Z"));
    var v = CrawlChecker.check(Map.of(), 4, pages, 1000);
    assertThat(v).extracting(ChaosChecker.Violation::invariant).containsOnly(CrawlChecker.ONE_WORKER_AT_A_TIME);
    assertThat(v).anySatisfy(x -> assertThat(x.message()).contains("recorded twice"))
        .anySatisfy(x -> assertThat(x.message()).contains("crawled by w1 and w2 at once for 2000 ms (bound 1000 ms)"));
  }
}
