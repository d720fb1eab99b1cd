package dev.crawler.operator;

import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.operator.resources.MasterResources;
import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.EtcdAuthSpec;
import dev.crawler.api.EtcdTlsSpec;
import dev.crawler.etcd.EtcdCredentials;
import dev.crawler.testing.TestingCandidate;
import dev.crawler.testing.TestingCertificates;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingEtcdAuth;
import dev.crawler.testing.TestingKubeApiServer;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator (production configuration: server-side apply) against a real kube-apiserver and an
 * etcd with TLS, client certificates and authentication: every way the CrawlerMaster's Secrets can
 * be wrong shows as EtcdReachable=False with its reason, a message naming the Secret and key, and
 * one Warning Event; fixing the Secret is picked up without a restart, and the leader is published
 * through the operator's read-only etcd user.
 */
@Tag("apiserver")
@Tag("etcd")
class EtcdSecretsStatusTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String NAME = "secured";
  private static final String PREFIX = "/crawler/secured";

  private static TestingKubeApiServer api;
  private static KubernetesClient admin;
  private static TestingCertificates certs;
  private static TestingCertificates otherCa;
  private static TestingEtcd etcd;
  private static Client root;

  private String ns;
  private Operator operator;

  @BeforeAll
  static void servers() throws Exception {
    api = TestingKubeApiServer.shared();
    admin = api.client();
    certs = TestingCertificates.newCa("etcd-ca").client("root").client("operator");
    otherCa = TestingCertificates.newCa("other-ca");
    etcd = TestingEtcd.startWithTls(certs);
    try (Client setup = connect(null, null)) {
      TestingEtcdAuth.withRoot(setup)
          .user("operator", "pass-op", Permission.Type.READ, PREFIX + "/")
          .user("stranger", "pass-st", Permission.Type.READ, "/crawler/elsewhere/")
          .enable();
    }
    root = connect(TestingEtcdAuth.ROOT, TestingEtcdAuth.ROOT_PASSWORD);
  }

  @AfterAll
  static void stop() throws Exception {
    root.close();
    etcd.close();
    certs.close();
    otherCa.close();
  }

  @BeforeEach
  void start() {
    ns = "etcd-secrets-" + ThreadLocalRandom.current().nextInt(1_000_000);
    api.ensureNamespace(ns);
    // One etcd role for every test's namespace, so the prefix lies outside each namespace's
    // subtree: the tenant rule is off, as in a single-tenant install.
    operator = CrawlerOperator.create(admin, CrawlerOperator.Options.of(
            new OperatorSettings("crawler-master:test", Set.of(ns), true, Optional.empty()))
        .withOverrides(c -> c.withCloseClientOnStop(false)));
    operator.start();
  }

  @AfterEach
  void stopOperator() {
    operator.stop();
    admin.resources(CrawlerMaster.class).inNamespace(ns).delete();
    admin.apps().statefulSets().inNamespace(ns).delete();
    admin.services().inNamespace(ns).delete();
    admin.secrets().inNamespace(ns).delete();
  }

  @Test
  void eachBadSecretHasItsReasonAndMessageAndFixingItRecoversWithoutARestart() throws Exception {
    CrawlerMaster cm = crawlerMaster(ns, NAME, etcd.endpoint());
    cm.getSpec().getEtcd().setKeyPrefix(PREFIX);
    cm.getSpec().getEtcd().setTls(new EtcdTlsSpec());
    cm.getSpec().getEtcd().getTls().setSecretName("etcd-tls");
    cm.getSpec().getEtcd().setAuth(new EtcdAuthSpec());
    cm.getSpec().getEtcd().getAuth().setSecretName("etcd-user");
    admin.resource(cm).create();

    expect(CrawlerMasterConditions.SECRET_NOT_FOUND, "Secret " + ns + "/etcd-tls (spec.etcd.tls.secretName) not found");
    assertThat(statefulSet()).as("no masters are started without their Secrets").isNull();

    secret("etcd-tls", Map.of("tls.crt", read(certs.cert("operator")), "tls.key", read(certs.pkcs1Key("operator"))));
    expect(CrawlerMasterConditions.SECRET_KEY_MISSING, "Secret " + ns + "/etcd-tls has no key ca.crt");

    secret("etcd-tls", Map.of("ca.crt", "not a certificate", "tls.crt", read(certs.cert("operator")),
        "tls.key", read(certs.pkcs1Key("operator"))));
    expect(CrawlerMasterConditions.INVALID_CERTIFICATE, "Secret " + ns + "/etcd-tls key ca.crt is not a readable PEM certificate");

    secret("etcd-tls", Map.of("ca.crt", read(otherCa.ca()), "tls.crt", read(certs.cert("operator")),
        "tls.key", read(certs.pkcs1Key("operator"))));
    expect(CrawlerMasterConditions.SECRET_NOT_FOUND, "Secret " + ns + "/etcd-user (spec.etcd.auth.secretName) not found");

    secret("etcd-user", Map.of("username", "operator"));
    expect(CrawlerMasterConditions.SECRET_KEY_MISSING, "Secret " + ns + "/etcd-user has no key password");

    secret("etcd-user", Map.of("username", "operator", "password", "wrong"));
    expect(CrawlerMasterConditions.TLS_HANDSHAKE_FAILED, "check ca.crt (and tls.crt) of Secret " + ns + "/etcd-tls");
    String digestWithWrongCa = podTemplateDigest();

    secret("etcd-tls", Map.of("ca.crt", read(certs.ca()), "tls.crt", read(certs.cert("operator")),
        "tls.key", read(certs.pkcs1Key("operator"))));
    expect(CrawlerMasterConditions.INVALID_CREDENTIALS, "check username and password of Secret " + ns + "/etcd-user");
    assertThat(podTemplateDigest()).as("a changed Secret rolls the masters").isNotEqualTo(digestWithWrongCa);

    secret("etcd-user", Map.of("username", "stranger", "password", "pass-st"));
    expect(CrawlerMasterConditions.PERMISSION_DENIED, "must grant read on " + PREFIX + "/");

    // Fixed: the operator's read-only user reads the election and publishes its leader.
    try (TestingCandidate leader = TestingCandidate.pod(root, PREFIX + "/election", NAME + "-0", 5)) {
      long term = leader.campaign().get().getRevision();
      secret("etcd-user", Map.of("username", "operator", "password", "pass-op\n"));
      CrawlerMaster published = await().atMost(TIMEOUT).until(this::crawlerMasterNow,
          c -> c.getStatus() != null && (NAME + "-0").equals(c.getStatus().getLeader()));
      assertThat(published.getStatus().getTerm()).isEqualTo(term);
      assertThat(condition(published).getReason()).isEqualTo(CrawlerMasterConditions.REACHABLE);
    }

    List<String> warnings = admin.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "Warning".equals(e.getType())).map(Event::getReason).toList();
    assertThat(warnings).as("one Warning Event per change of cause").contains(
        "SecretNotFound", "SecretKeyMissing", "InvalidCertificate", "TLSHandshakeFailed", "InvalidCredentials",
        "PermissionDenied");
  }

  private void expect(String reason, String messagePart) {
    Condition c = await().atMost(TIMEOUT).until(() -> condition(crawlerMasterNow()),
        x -> x != null && reason.equals(x.getReason()));
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getMessage()).contains(messagePart);
    System.out.printf("[etcd-secrets] %s: %s%n", reason, c.getMessage());
  }

  private static Condition condition(CrawlerMaster cm) {
    return cm == null || cm.getStatus() == null ? null
        : CrawlerMasterConditions.find(cm.getStatus(), CrawlerMasterConditions.ETCD_REACHABLE).orElse(null);
  }

  private CrawlerMaster crawlerMasterNow() {
    return admin.resources(CrawlerMaster.class).inNamespace(ns).withName(NAME).get();
  }

  private StatefulSet statefulSet() {
    return admin.apps().statefulSets().inNamespace(ns).withName(NAME).get();
  }

  private String podTemplateDigest() {
    return await().atMost(TIMEOUT).until(
        () -> statefulSet() == null ? null
            : statefulSet().getSpec().getTemplate().getMetadata().getAnnotations().get(MasterResources.ETCD_SECRETS_DIGEST),
        d -> d != null);
  }

  private void secret(String name, Map<String, String> data) {
    Map<String, String> encoded = new HashMap<>();
    data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    admin.secrets().inNamespace(ns).resource(new SecretBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).endMetadata().withData(encoded).build())
        .forceConflicts().serverSideApply();
  }

  private static String read(Path p) throws Exception {
    return Files.readString(p);
  }

  private static Client connect(String user, String password) throws Exception {
    return new EtcdCredentials(Files.readAllBytes(certs.ca()), Files.readAllBytes(certs.cert("root")),
        Files.readAllBytes(certs.key("root")), user, password == null ? null : password.getBytes(StandardCharsets.UTF_8))
        .connect(List.of(URI.create(etcd.endpoint())), Duration.ofSeconds(2));
  }
}
