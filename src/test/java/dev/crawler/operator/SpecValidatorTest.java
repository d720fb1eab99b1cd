package dev.crawler.operator;

import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static dev.crawler.testing.TestingCrawlerMasters.stored;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMaster;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SpecValidatorTest {

  private static CrawlerMaster cm(String ns, String name, String created, String prefix, String... endpoints) {
    CrawlerMaster cm = stored(crawlerMaster(ns, name, endpoints), ns + "-" + name, created);
    cm.getSpec().getEtcd().setKeyPrefix(prefix);
    return cm;
  }

  @Test
  void validSpecHasNoProblem() {
    CrawlerMaster cm = cm("a", "demo", "2026-01-01T00:00:00Z", null, "https://etcd:2379", "https://10.0.0.1:2379");

    assertThat(SpecValidator.validate(cm, List.of(cm))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "http://etcd_0:2379",    // host is not a DNS name
      "http://etcd:99999",     // port out of range
      "http://etcd:0",
      "http://etcd",           // no port
      "etcd:2379",             // no scheme
      "ftp://etcd:2379",
      "http://etcd:2379/v3",   // a path
      "http://u@etcd:2379",
      "http://et cd:2379",     // not a URI
      ""})
  void badEndpointIsReportedWithItsIndex(String bad) {
    CrawlerMaster cm = cm("a", "demo", "2026-01-01T00:00:00Z", null, "http://etcd:2379", bad);

    assertThat(SpecValidator.validate(cm, List.of())).hasValueSatisfying(msg -> {
      assertThat(msg).startsWith("spec.etcd.endpoints[1]: \"" + bad + "\" ");
      assertThat(msg).contains("use http://host:port or https://host:port");
    });
  }

  @Test
  void missingEtcdOrEndpointsIsReported() {
    CrawlerMaster noEtcd = crawlerMaster("a", "demo");
    noEtcd.getSpec().setEtcd(null);
    CrawlerMaster noEndpoints = crawlerMaster("a", "demo");
    noEndpoints.getSpec().getEtcd().setEndpoints(List.of());

    assertThat(SpecValidator.validate(noEtcd, List.of())).hasValueSatisfying(m -> assertThat(m).startsWith("spec.etcd:"));
    assertThat(SpecValidator.validate(noEndpoints, List.of()))
        .hasValueSatisfying(m -> assertThat(m).startsWith("spec.etcd.endpoints:"));
  }

  @Test
  void malformedKeyPrefixIsReported() {
    CrawlerMaster cm = cm("a", "demo", "2026-01-01T00:00:00Z", "no-slash", "http://etcd:2379");

    assertThat(SpecValidator.validate(cm, List.of())).hasValueSatisfying(m -> assertThat(m).startsWith("spec.etcd.keyPrefix:"));
  }

  @Test
  void youngerCrawlerMasterWithOverlappingPrefixOnTheSameEtcdIsInvalid() {
    CrawlerMaster older = cm("a", "first", "2026-01-01T00:00:00Z", "/shared", "http://etcd:2379");
    CrawlerMaster younger = cm("b", "second", "2026-01-02T00:00:00Z", "/shared/sub", "http://other:2379", "http://ETCD:2379");
    List<CrawlerMaster> all = List.of(older, younger);

    assertThat(SpecValidator.validate(younger, all)).hasValue(
        "spec.etcd.keyPrefix: /shared/sub overlaps /shared of CrawlerMaster a/first on the same etcd;"
            + " set a keyPrefix that neither contains nor lies below the other's");
    assertThat(SpecValidator.validate(older, all)).isEmpty();
  }

  @Test
  void defaultPrefixesConflictWhenAnExplicitPrefixEqualsAnothersDefault() {
    CrawlerMaster older = cm("a", "first", "2026-01-01T00:00:00Z", null, "http://etcd:2379");
    CrawlerMaster younger = cm("b", "second", "2026-01-02T00:00:00Z", "/crawler/a", "http://etcd:2379");

    assertThat(SpecValidator.validate(younger, List.of(older, younger)))
        .hasValueSatisfying(m -> assertThat(m).contains("overlaps /crawler/a/first of CrawlerMaster a/first"));
  }

  @Test
  void sameCreationTimeIsBrokenByNamespaceAndNameSoExactlyOneSideIsInvalid() {
    CrawlerMaster x = cm("a", "x", "2026-01-01T00:00:00Z", "/p", "http://etcd:2379");
    CrawlerMaster y = cm("a", "y", "2026-01-01T00:00:00Z", "/p", "http://etcd:2379");
    List<CrawlerMaster> all = List.of(x, y);

    assertThat(SpecValidator.validate(x, all)).isEmpty();
    assertThat(SpecValidator.validate(y, all)).isPresent();
  }

  @Test
  void overlappingPrefixesOnDifferentEtcdsOrDisjointPrefixesAreFine() {
    CrawlerMaster older = cm("a", "first", "2026-01-01T00:00:00Z", "/p", "http://etcd-a:2379");
    CrawlerMaster otherEtcd = cm("a", "second", "2026-01-02T00:00:00Z", "/p", "http://etcd-b:2379");
    CrawlerMaster siblingPrefix = cm("a", "third", "2026-01-02T00:00:00Z", "/p2", "http://etcd-a:2379");
    List<CrawlerMaster> all = List.of(older, otherEtcd, siblingPrefix);

    assertThat(SpecValidator.validate(otherEtcd, all)).isEmpty();
    assertThat(SpecValidator.validate(siblingPrefix, all)).isEmpty();
  }

  @Test
  void anOlderCrawlerMasterThatIsItselfInvalidDoesNotBlockOthers() {
    CrawlerMaster brokenOlder = cm("a", "first", "2026-01-01T00:00:00Z", "/p", "http://etcd:2379", "http://bad_host:1");
    CrawlerMaster younger = cm("a", "second", "2026-01-02T00:00:00Z", "/p", "http://etcd:2379");

    assertThat(SpecValidator.validate(younger, List.of(brokenOlder, younger))).isEmpty();
  }

  @Test
  void anOlderCrawlerMasterWithAnUnreadableKeyPrefixOrNoEtcdDoesNotBlockOthers() {
    CrawlerMaster unreadable = cm("a", "first", "2026-01-01T00:00:00Z", "no-slash", "http://etcd:2379");
    CrawlerMaster noEtcd = stored(crawlerMaster("a", "zero", "http://etcd:2379"), "a-zero", "2025-12-01T00:00:00Z");
    noEtcd.getSpec().setEtcd(null);
    CrawlerMaster younger = cm("a", "second", "2026-01-02T00:00:00Z", null, "http://etcd:2379");

    assertThat(SpecValidator.validate(younger, List.of(noEtcd, unreadable, younger))).isEmpty();
  }

  @Test
  void tlsNeedsHttpsEndpointsAndOneEtcdSpeaksOneScheme() {
    CrawlerMaster tlsOverHttp = cm("a", "demo", "2026-01-01T00:00:00Z", null, "http://etcd:2379");
    tlsOverHttp.getSpec().getEtcd().setTls(new dev.crawler.api.EtcdTlsSpec());
    tlsOverHttp.getSpec().getEtcd().getTls().setSecretName("etcd-tls");
    assertThat(SpecValidator.validate(tlsOverHttp, List.of())).hasValueSatisfying(msg ->
        assertThat(msg).startsWith("spec.etcd.tls: set, but the endpoints use http://"));

    CrawlerMaster mixed = cm("a", "demo", "2026-01-01T00:00:00Z", null, "http://etcd:2379", "https://etcd-1:2379");
    assertThat(SpecValidator.validate(mixed, List.of())).hasValueSatisfying(msg ->
        assertThat(msg).startsWith("spec.etcd.endpoints: mixes http:// and https://"));

    CrawlerMaster ipv6 = cm("a", "demo", "2026-01-01T00:00:00Z", null, "https://[fd00::10]:2379");
    ipv6.getSpec().getEtcd().setTls(tlsOverHttp.getSpec().getEtcd().getTls());
    assertThat(SpecValidator.validate(ipv6, List.of())).isEmpty();
  }

  @Test
  void keyPrefixMustLieInItsNamespacesSubtreeUnderTheRoot() {
    Optional<String> root = Optional.of("/crawler");
    CrawlerMaster own = cm("team-a", "x", "2026-01-01T00:00:00Z", "/crawler/team-a/prod", "http://etcd:2379");
    CrawlerMaster byDefault = cm("team-a", "y", "2026-01-01T00:00:00Z", null, "http://etcd:2379");
    CrawlerMaster squatter = cm("team-a", "z", "2026-01-01T00:00:00Z", "/crawler/team-b/prod", "http://etcd:2379");
    CrawlerMaster prefixOfName = cm("team-a", "w", "2026-01-01T00:00:00Z", "/crawler/team-ab/prod", "http://etcd:2379");

    assertThat(SpecValidator.validate(own, List.of(), root, SpecValidator::shareAnEndpoint)).isEmpty();
    assertThat(SpecValidator.validate(byDefault, List.of(), root, SpecValidator::shareAnEndpoint)).isEmpty();
    assertThat(SpecValidator.validate(squatter, List.of(), root, SpecValidator::shareAnEndpoint)).hasValue(
        "spec.etcd.keyPrefix: /crawler/team-b/prod lies outside /crawler/team-a/, the subtree of namespace team-a;"
            + " use a prefix under it (or leave keyPrefix unset)");
    assertThat(SpecValidator.validate(prefixOfName, List.of(), root, SpecValidator::shareAnEndpoint)).isPresent();
    assertThat(SpecValidator.validate(squatter, List.of(), Optional.empty(), SpecValidator::shareAnEndpoint)).isEmpty();
  }

  @Test
  void sameEtcdIsWhatThePredicateSaysNotTheEndpointString() {
    CrawlerMaster older = cm("a", "first", "2026-01-01T00:00:00Z", "/p", "http://etcd:2379");
    CrawlerMaster otherName = cm("a", "second", "2026-01-02T00:00:00Z", "/p/sub", "http://etcd.a.svc:2379");

    assertThat(SpecValidator.validate(otherName, List.of(older, otherName), Optional.empty(), (x, y) -> true))
        .hasValueSatisfying(m -> assertThat(m).contains("overlaps /p of CrawlerMaster a/first"));
    assertThat(SpecValidator.validate(otherName, List.of(older, otherName), Optional.empty(), SpecValidator::shareAnEndpoint))
        .isEmpty();
  }
}
