package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResourceRequestTest {

  private static ResourceRequest parse(String body) throws BadRequestException {
    return ResourceRequest.parse(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void validRequestIsAccepted() throws Exception {
    assertThat(parse("{\"name\":\"news-1\",\"url\":\"https://example.com/a?b=c\",\"extra\":1}"))
        .isEqualTo(new ResourceRequest("news-1", "https://example.com/a?b=c", null, null));
    assertThat(parse("{\"name\":\"a\",\"url\":\"http://93.184.216.34:8080/\"}").name()).isEqualTo("a");
  }

  @Test
  void credentialsInTheUrlAreRejectedWithoutEchoingThem() {
    assertThatThrownBy(() -> parse("{\"name\":\"a\",\"url\":\"https://user:s3cret@example.com/\"}"))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("credentials in the URL")
        .hasMessageNotContaining("s3cret");
  }

  @ParameterizedTest
  @CsvSource({
      "http://127.0.0.1/", "http://localhost:8080/", "http://api.localhost/", "http://10.0.0.1:8080/",
      "http://192.168.1.1/", "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
      "http://[fd00::1]/", "http://[fe80::1]/", "http://0.0.0.0/", "http://100.64.0.1/"})
  void privateLoopbackAndLinkLocalTargetsAreRefusedUnlessAllowed(String url) throws Exception {
    String body = "{\"name\":\"a\",\"url\":\"" + url + "\"}";
    assertThatThrownBy(() -> parse(body)).isInstanceOf(BadRequestException.class)
        .hasMessageContaining("--allow-private-targets");
    assertThat(ResourceRequest.parse(body.getBytes(StandardCharsets.UTF_8), CrawlTargets.ANY).url()).isEqualTo(url);
  }

  @ParameterizedTest
  @CsvSource({"http://2130706433/", "http://0x7f.1/", "http://017700000001/", "http://127.1/"})
  void numericHostsInOtherFormsThanADottedQuadAreRefusedEvenWhenPrivateTargetsAreAllowed(String url) {
    String body = "{\"name\":\"a\",\"url\":\"" + url + "\"}";
    assertThatThrownBy(() -> ResourceRequest.parse(body.getBytes(StandardCharsets.UTF_8), CrawlTargets.ANY))
        // java.net.URI takes some of them for a registry name without a host: refused as such.
        .isInstanceOf(BadRequestException.class).hasMessageMatching(".*(not a dotted-quad|missing host).*");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not json                                   | not valid JSON",
        "[1,2]                                      | must be a JSON object",
        "{\"url\":\"https://example.com\"}           | missing field 'name'",
        "{\"name\":\"a\"}                            | missing field 'url'",
        "{\"name\":7,\"url\":\"https://example.com\"} | field 'name' must be a string",
        "{\"name\":\"Bad_Name\",\"url\":\"https://e.com\"} | invalid name 'Bad_Name'",
        "{\"name\":\"-a\",\"url\":\"https://e.com\"} | invalid name '-a'",
        "{\"name\":\"\",\"url\":\"https://e.com\"}   | invalid name ''",
        "{\"name\":\"a\",\"url\":\"ftp://e.com/x\"}  | must be an absolute http or https URL",
        "{\"name\":\"a\",\"url\":\"/relative\"}      | must be an absolute http or https URL",
        "{\"name\":\"a\",\"url\":\"http://\"}        | invalid url",
        "{\"name\":\"a\",\"url\":\"https://e.com/a b\"} | invalid url",
      })
  void badRequestIsRejectedWithAReason(String body, String reason) {
    assertThatThrownBy(() -> parse(body)).isInstanceOf(BadRequestException.class).hasMessageContaining(reason);
  }

  @Test
  void nameLongerThanADnsLabelIsRejected() {
    String name = "a".repeat(64);
    assertThatThrownBy(() -> ResourceRequest.validateName(name)).isInstanceOf(BadRequestException.class);
  }

  @Test
  void crawlLimitsAreOptionalAndKeptWhenGiven() throws BadRequestException {
    assertThat(parse("{\"name\":\"a\",\"url\":\"https://example.com/\",\"maxPages\":7,\"maxDepth\":0}"))
        .isEqualTo(new ResourceRequest("a", "https://example.com/", 7, 0));
    assertThat(parse("{\"name\":\"a\",\"url\":\"https://example.com/\"}").toResource("w", 3))
        .satisfies(r -> {
          assertThat(r.pageLimit()).isEqualTo(dev.crawler.api.Resource.DEFAULT_MAX_PAGES);
          assertThat(r.depthLimit()).isEqualTo(dev.crawler.api.Resource.DEFAULT_MAX_DEPTH);
        });
  }

  @Test
  void crawlLimitsOutOfRangeOrNotIntegersAreRefusedNamingTheRange() {
    assertThatThrownBy(() -> parse("{\"name\":\"a\",\"url\":\"https://example.com/\",\"maxPages\":0}"))
        .isInstanceOf(BadRequestException.class)
        .hasMessage("field 'maxPages' must be an integer from 1 to 10000");
    assertThatThrownBy(() -> parse("{\"name\":\"a\",\"url\":\"https://example.com/\",\"maxDepth\":\"2\"}"))
        .hasMessage("field 'maxDepth' must be an integer from 0 to 10");
    assertThatThrownBy(() -> parse("{\"name\":\"a\",\"url\":\"https://example.com/\",\"maxDepth\":1.5}"))
        .hasMessage("field 'maxDepth' must be an integer from 0 to 10");
  }
}
