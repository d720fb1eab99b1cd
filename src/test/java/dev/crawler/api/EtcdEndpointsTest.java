package dev.crawler.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EtcdEndpointsTest {

  /** endpoint, accepted by the schema pattern, accepted by the parser. */
  static Stream<Arguments> endpoints() {
    return Stream.of(
        Arguments.of("http://etcd:2379", true, true),
        Arguments.of("https://10.0.0.1:2379", true, true),
        Arguments.of("http://etcd.crawler-system.svc:2379", true, true),
        Arguments.of("http://etcd:1", true, true),
        Arguments.of("http://etcd:65535", true, true),
        // The pattern cannot tell a valid host name or port range; the parser can.
        Arguments.of("http://etcd_0:2379", true, false),
        Arguments.of("http://etcd:0", true, false),
        Arguments.of("http://etcd:99999", true, false),
        Arguments.of("http://u@etcd:2379", true, false),
        // Both reject everything that is more or less than scheme, host and port.
        Arguments.of("http://etcd", false, false),
        Arguments.of("etcd:2379", false, false),
        Arguments.of("ftp://etcd:2379", false, false),
        Arguments.of("HTTP://etcd:2379", false, false),
        Arguments.of("http://etcd:2379/v3", false, false),
        Arguments.of("http://etcd:2379/", false, false),
        Arguments.of("http://etcd:2379?x=1", false, false),
        Arguments.of("http://et cd:2379", false, false),
        // IPv6 literals, bracketed as in any URL.
        Arguments.of("http://[::1]:2379", true, true),
        Arguments.of("https://[fd00::10]:2379", true, true),
        Arguments.of("http://[2001:db8:0:0:0:0:2:1]:2379", true, true),
        Arguments.of("http://[::ffff:10.0.0.1]:2379", true, true),
        Arguments.of("http://[fd00::zz]:2379", false, false),
        Arguments.of("http://::1:2379", false, false),
        Arguments.of("http://[::1]", false, false),
        Arguments.of("http://[::1:2379", false, false),
        Arguments.of("http://[:::1]:2379", true, false),
        Arguments.of("http://[1.2.3.4]:2379", true, false),
        Arguments.of("", false, false));
  }

  @ParameterizedTest
  @MethodSource("endpoints")
  void parserAcceptsOnlyWhatTheSchemaPatternAccepts(String endpoint, boolean schema, boolean parser) {
    assertThat(Pattern.compile(EtcdEndpoints.PATTERN).matcher(endpoint).matches()).as("schema pattern").isEqualTo(schema);
    assertThat(EtcdEndpoints.problem(endpoint)).as("parser").matches(p -> p.isEmpty() == parser);
    if (parser) {
      assertThat(EtcdEndpoints.parse(endpoint).toString()).isEqualTo(endpoint);
    } else {
      assertThatThrownBy(() -> EtcdEndpoints.parse(endpoint)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void theCommittedSchemaUsesThisPattern() throws IOException {
    Path crd = Path.of(System.getProperty("project.basedir", ".")).resolve("crds/crawlermasters.crawler.dev-v1.yml");
    String quoted = EtcdEndpoints.PATTERN.replace("\\", "\\\\");
    assertThat(Files.readString(crd)).contains("pattern: \"" + quoted + "\"");
  }

  @Test
  void anIpv6EndpointKeepsItsBracketsAsHostAndItsPort() {
    assertThat(EtcdEndpoints.parse("https://[fd00::10]:2379").getHost()).isEqualTo("[fd00::10]");
    assertThat(EtcdEndpoints.parse("https://[fd00::10]:2379").getPort()).isEqualTo(2379);
  }

  @Test
  void normalizedEndpointsAreSortedDistinctAndWithoutTrailingSlashes() {
    assertThat(EtcdEndpoints.normalize(List.of(" http://b:2/", "http://a:1", "http://b:2")))
        .containsExactly("http://a:1", "http://b:2");
    assertThatThrownBy(() -> EtcdEndpoints.normalize(List.of()))
        .hasMessageContaining("at least one etcd endpoint");
  }
}
