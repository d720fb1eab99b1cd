package dev.crawler.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crawler.testing.TestingCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reading TLS material as cert-manager and openssl write it; certificates made with the real openssl CLI. */
class EtcdCredentialsTest {
  private static TestingCertificates certs;
  private static TestingCertificates otherCa;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestingCertificates.newCa("ca").client("master");
    otherCa = TestingCertificates.newCa("other").client("master");
  }

  @AfterAll
  static void remove() throws Exception {
    certs.close();
    otherCa.close();
  }

  private static byte[] read(java.nio.file.Path p) throws Exception {
    return Files.readAllBytes(p);
  }

  @Test
  void aPkcs8AndAPkcs1KeyBothWork() throws Exception {
    assertThat(read(certs.key("master"))).asString().contains("BEGIN PRIVATE KEY");
    assertThat(read(certs.pkcs1Key("master"))).asString().contains("BEGIN RSA PRIVATE KEY");
    new EtcdCredentials(read(certs.ca()), read(certs.cert("master")), read(certs.key("master")), null, null).sslContext();
    new EtcdCredentials(read(certs.ca()), read(certs.cert("master")), read(certs.pkcs1Key("master")), null, null)
        .sslContext();
    assertThat(EtcdCredentials.privateKey(read(certs.pkcs1Key("master"))))
        .isEqualTo(EtcdCredentials.privateKey(read(certs.key("master"))));
  }

  @Test
  void unreadableMaterialNamesThePartAndWhatIsWrong() throws Exception {
    byte[] garbage = "not a certificate".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new EtcdCredentials(garbage, null, null, null, null).sslContext())
        .isInstanceOfSatisfying(EtcdCredentials.InvalidMaterialException.class, e -> {
          assertThat(e.item()).isEqualTo("ca");
          assertThat(e.getMessage()).contains("not a readable PEM certificate");
        });
    assertThatThrownBy(() -> new EtcdCredentials(read(certs.ca()), read(certs.cert("master")), garbage, null, null)
        .sslContext())
        .isInstanceOfSatisfying(EtcdCredentials.InvalidMaterialException.class,
            e -> assertThat(e.item()).isEqualTo("key"));
    byte[] ecKey = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> EtcdCredentials.privateKey(ecKey))
        .hasMessageContaining("\"EC PRIVATE KEY\"").hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    // The other CA's client key with this CA's client certificate.
    assertThatThrownBy(() -> new EtcdCredentials(read(certs.ca()), read(certs.cert("master")),
        read(otherCa.key("master")), null, null).sslContext())
        .hasMessageContaining("does not belong to the client certificate");
    assertThatThrownBy(() -> new EtcdCredentials(read(certs.ca()), read(certs.cert("master")), null, null, null)
        .sslContext())
        .hasMessageContaining("needs both the certificate and its key");
  }

  @Test
  void theResolverTargetEscapesIpv6Brackets() {
    assertThat(EtcdCredentials.target(java.util.List.of(java.net.URI.create("https://[fd00::10]:2379"),
        java.net.URI.create("http://etcd.ns:2379")))).isEqualTo("ip:///%5Bfd00::10%5D:2379,etcd.ns:2379");
  }

  @Test
  void equalMaterialIsOneDigestAndTheTextShowsNoSecret() throws Exception {
    EtcdCredentials a = new EtcdCredentials(read(certs.ca()), null, null, "u", "pw".getBytes(StandardCharsets.UTF_8));
    EtcdCredentials same = new EtcdCredentials(read(certs.ca()), null, null, "u", "pw".getBytes(StandardCharsets.UTF_8));
    EtcdCredentials otherPassword = new EtcdCredentials(read(certs.ca()), null, null, "u", "px".getBytes(StandardCharsets.UTF_8));
    assertThat(a).isEqualTo(same).hasSameHashCodeAs(same).isNotEqualTo(otherPassword);
    assertThat(a.toString()).doesNotContain("pw").doesNotContain("BEGIN");
    assertThat(EtcdCredentials.withoutTrailingNewlines("pw\r\n".getBytes(StandardCharsets.UTF_8))).asString().isEqualTo("pw");
  }
}
