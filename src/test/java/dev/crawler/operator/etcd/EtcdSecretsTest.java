package dev.crawler.operator.etcd;

import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.EtcdAuthSpec;
import dev.crawler.api.EtcdTlsSpec;
import dev.crawler.election.ElectionState;
import dev.crawler.etcd.EtcdCredentials;
import dev.crawler.etcd.EtcdFailure;
import dev.crawler.testing.TestingCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EtcdSecretsTest {
  private static TestingCertificates certs;
  private static String ca;
  private static String cert;
  private static String key;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestingCertificates.newCa("ca").client("master");
    ca = read(certs.ca());
    cert = read(certs.cert("master"));
    key = read(certs.pkcs1Key("master"));
  }

  @AfterAll
  static void remove() throws Exception {
    certs.close();
  }

  private static String read(Path p) throws Exception {
    return Files.readString(p);
  }

  private static CrawlerMaster secured(boolean tls, boolean auth) {
    CrawlerMaster cm = crawlerMaster("crawl", "demo", "https://etcd:2379");
    if (tls) {
      cm.getSpec().getEtcd().setTls(new EtcdTlsSpec());
      cm.getSpec().getEtcd().getTls().setSecretName("etcd-tls");
    }
    if (auth) {
      cm.getSpec().getEtcd().setAuth(new EtcdAuthSpec());
      cm.getSpec().getEtcd().getAuth().setSecretName("etcd-user");
    }
    return cm;
  }

  private static Secret secret(String name, Map<String, String> data) {
    Map<String, String> encoded = new HashMap<>();
    data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder().withNewMetadata().withName(name).withNamespace("crawl").endMetadata()
        .withData(encoded).build();
  }

  private static EtcdSecrets.Outcome decide(CrawlerMaster cm, Secret... secrets) {
    Map<String, Secret> byName = new HashMap<>();
    for (Secret s : secrets) {
      byName.put(s.getMetadata().getName(), s);
    }
    return EtcdSecrets.decide(cm, name -> Optional.ofNullable(byName.get(name)));
  }

  private static EtcdSecrets.Problem problem(EtcdSecrets.Outcome o) {
    assertThat(o).isInstanceOf(EtcdSecrets.Problem.class);
    return (EtcdSecrets.Problem) o;
  }

  @Test
  void withoutSecretsTheAccessIsPlainAndThePodTemplateGetsNoDigest() {
    EtcdSecrets.Outcome o = decide(crawlerMaster("crawl", "demo"));
    assertThat(o).isEqualTo(new EtcdSecrets.Usable(EtcdCredentials.NONE, false));
    assertThat(((EtcdSecrets.Usable) o).digest()).isEmpty();
  }

  @Test
  void completeSecretsGiveTheCredentialsAndADigestThatFollowsTheirContent() {
    Secret tls = secret("etcd-tls", Map.of("ca.crt", ca, "tls.crt", cert, "tls.key", key));
    Secret user = secret("etcd-user", Map.of("username", "crawler-a", "password", "pw\n"));
    EtcdSecrets.Usable usable = (EtcdSecrets.Usable) decide(secured(true, true), tls, user);
    assertThat(usable.clientCertificate()).isTrue();
    assertThat(usable.credentials().hasTls()).isTrue();
    assertThat(usable.credentials()).isEqualTo(new EtcdCredentials(ca.getBytes(StandardCharsets.UTF_8),
        cert.getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8), "crawler-a",
        "pw".getBytes(StandardCharsets.UTF_8)));
    EtcdSecrets.Usable rotated = (EtcdSecrets.Usable) decide(secured(true, true), tls,
        secret("etcd-user", Map.of("username", "crawler-a", "password", "new")));
    assertThat(rotated.digest()).isPresent().isNotEqualTo(usable.digest());

    EtcdSecrets.Usable caOnly = (EtcdSecrets.Usable) decide(secured(true, false), secret("etcd-tls", Map.of("ca.crt", ca)));
    assertThat(caOnly.clientCertificate()).isFalse();
  }

  @Test
  void eachUnusableSecretHasItsReasonAndAMessageNamingSecretAndKey() {
    assertThat(problem(decide(secured(true, false))))
        .isEqualTo(new EtcdSecrets.Problem(CrawlerMasterConditions.SECRET_NOT_FOUND,
            "Secret crawl/etcd-tls (spec.etcd.tls.secretName) not found; create it with ca.crt"
                + " (and tls.crt, tls.key for a client certificate)"));
    assertThat(problem(decide(secured(false, true))).message()).startsWith("Secret crawl/etcd-user (spec.etcd.auth.secretName) not found");

    EtcdSecrets.Problem noCa = problem(decide(secured(true, false), secret("etcd-tls", Map.of("tls.crt", cert, "tls.key", key))));
    assertThat(noCa.reason()).isEqualTo(CrawlerMasterConditions.SECRET_KEY_MISSING);
    assertThat(noCa.message()).startsWith("Secret crawl/etcd-tls has no key ca.crt");
    assertThat(problem(decide(secured(true, false), secret("etcd-tls", Map.of("ca.crt", ca, "tls.crt", cert)))).message())
        .startsWith("Secret crawl/etcd-tls has no key tls.key");
    assertThat(problem(decide(secured(false, true), secret("etcd-user", Map.of("password", "pw")))).message())
        .startsWith("Secret crawl/etcd-user has no key username");
    assertThat(problem(decide(secured(false, true), secret("etcd-user", Map.of("username", "u")))).message())
        .startsWith("Secret crawl/etcd-user has no key password");

    EtcdSecrets.Problem badCa = problem(decide(secured(true, false), secret("etcd-tls", Map.of("ca.crt", "garbage"))));
    assertThat(badCa.reason()).isEqualTo(CrawlerMasterConditions.INVALID_CERTIFICATE);
    assertThat(badCa.message()).startsWith("Secret crawl/etcd-tls key ca.crt is not a readable PEM certificate");
    EtcdSecrets.Problem badKey = problem(decide(secured(true, false),
        secret("etcd-tls", Map.of("ca.crt", ca, "tls.crt", cert, "tls.key", "garbage"))));
    assertThat(badKey.reason()).isEqualTo(CrawlerMasterConditions.INVALID_CERTIFICATE);
    assertThat(badKey.message()).startsWith("Secret crawl/etcd-tls key tls.key is not a PEM private key");
  }

  @Test
  void anEtcdFailureIsExplainedWithTheSecretToCheck() {
    CrawlerMaster cm = secured(true, true);
    Instant t = Instant.parse("2026-11-30T00:00:00Z");
    ElectionState denied = ElectionState.unreachable(EtcdFailure.Kind.PERMISSION_DENIED, "etcd x: denied", t, 0);
    assertThat(EtcdSecrets.explain(cm, denied).error())
        .isEqualTo("etcd x: denied; the etcd role of the user in Secret crawl/etcd-user must grant read on"
            + " /crawler/crawl/demo/ (etcdctl role grant-permission --prefix)");
    assertThat(EtcdSecrets.explain(cm, ElectionState.unreachable(EtcdFailure.Kind.INVALID_CREDENTIALS, "e", t, 0)).error())
        .endsWith("check username and password of Secret crawl/etcd-user");
    assertThat(EtcdSecrets.explain(cm, ElectionState.unreachable(EtcdFailure.Kind.TLS_HANDSHAKE_FAILED, "e", t, 0)).error())
        .endsWith("check ca.crt (and tls.crt) of Secret crawl/etcd-tls against etcd's certificates");
    ElectionState down = ElectionState.unreachable("refused", t, 0);
    assertThat(EtcdSecrets.explain(cm, down)).isSameAs(down);
    assertThat(EtcdSecrets.reason(EtcdFailure.Kind.PERMISSION_DENIED)).isEqualTo(CrawlerMasterConditions.PERMISSION_DENIED);
  }
}
