package dev.crawler.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FrontierTest {
  private static final String START = "http://site.test:8080/";

  @Test
  void followsOnlyNewLinksOfTheStartOriginBreadthFirst() {
    Frontier f = Frontier.start(START, 10, 3);
    Frontier.Entry first = f.next().orElseThrow();
    assertThat(first).isEqualTo(new Frontier.Entry(START, 0));
    f.attempted(first, List.of("/a", "http://site.test:8080/a#frag", "https://site.test:8080/b", "http://other.test/c",
        "http://SITE.test:8080/b", "mailto:x@y", "http://site.test:8080/", "http://user:pw@site.test:8080/d"));
    assertThat(f.pending()).containsExactly(new Frontier.Entry("http://site.test:8080/a", 1),
        new Frontier.Entry("http://site.test:8080/b", 1));
  }

  @Test
  void linksBeyondTheDepthLimitAreNotQueued() {
    Frontier f = Frontier.start(START, 10, 1);
    f.attempted(f.next().orElseThrow(), List.of("http://site.test:8080/a"));
    Frontier.Entry a = f.next().orElseThrow();
    f.attempted(a, List.of("http://site.test:8080/deeper"));
    assertThat(f.complete()).isTrue();
    assertThat(f.done()).containsExactly(START, "http://site.test:8080/a");
  }

  @Test
  void thePageLimitCountsAttemptsAndCapsWhatIsCheckpointed() {
    Frontier f = Frontier.start(START, 2, 5);
    f.attempted(f.next().orElseThrow(), List.of("http://site.test:8080/1", "http://site.test:8080/2", "http://site.test:8080/3"));
    assertThat(f.pending()).hasSize(1);
    f.attempted(f.next().orElseThrow(), List.of());
    assertThat(f.complete()).isTrue();
    assertThat(f.pending()).isEmpty();
  }

  @Test
  void aResumedCrawlNeverAttemptsADoneUrlAgain() {
    Frontier f = Frontier.resume(START, 10, 3, List.of(START, "http://site.test:8080/a"),
        List.of(new Frontier.Entry("http://site.test:8080/b", 1)));
    Frontier.Entry b = f.next().orElseThrow();
    assertThat(b.url()).isEqualTo("http://site.test:8080/b");
    f.attempted(b, List.of(START, "http://site.test:8080/a", "http://site.test:8080/c"));
    assertThat(f.pending()).containsExactly(new Frontier.Entry("http://site.test:8080/c", 2));
  }

  @Test
  void normalizingDropsFragmentsAndDefaultPortsAndRefusesOtherSchemes() {
    assertThat(Frontier.normalize("HTTP://Example.COM:80#x")).contains("http://example.com/");
    assertThat(Frontier.normalize("https://example.com:443/a?b=1")).contains("https://example.com/a?b=1");
    assertThat(Frontier.normalize("ftp://example.com/")).isEmpty();
    assertThat(Frontier.normalize("javascript:alert(1)")).isEmpty();
    assertThat(Frontier.normalize("http://[::1")).isEmpty();
  }
}
