package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** TLS towards etcd: which Secret holds the CA and, optionally, the client certificate. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EtcdTlsSpec {
  /** The key names of a cert-manager Certificate's Secret, so one works as is. */
  public static final String CA_KEY = "ca.crt";
  public static final String CERT_KEY = "tls.crt";
  public static final String KEY_KEY = "tls.key";

  @JsonPropertyDescription(
      "Name of a Secret in this CrawlerMaster's namespace with ca.crt (PEM; the CA that signed"
          + " etcd's server certificate) and, for client certificate authentication, tls.crt and"
          + " tls.key (PEM; PKCS#8 or PKCS#1 RSA key). A cert-manager Certificate's Secret has"
          + " these keys. The endpoints must use https://. Changing the Secret rolls the masters.")
  @Required
  @Pattern(SecretNames.PATTERN)
  private String secretName;

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }
}
