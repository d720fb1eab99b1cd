package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class EtcdSpec {
  @JsonPropertyDescription(
      "etcd client endpoints, each http://host:port or https://host:port, where host is a DNS"
          + " name, an IPv4 address or a bracketed IPv6 literal, e.g. http://etcd.crawler-system:2379"
          + " or https://[fd00::10]:2379. At least one; all http or all https.")
  @Required
  @Size(min = 1, max = 16)
  private List<@Pattern(EtcdEndpoints.PATTERN) @Size(max = 253) String> endpoints = new ArrayList<>();

  @JsonPropertyDescription(
      "Key prefix under which this cluster keeps its state in etcd: the election under"
          + " <keyPrefix>/election, workers under <keyPrefix>/workers/, resources under"
          + " <keyPrefix>/resources/. Defaults to /crawler/<namespace>/<name>. Must start with '/'"
          + " and must not end with '/'. Two CrawlerMasters on the same etcd must not overlap.")
  @Pattern("^(/[A-Za-z0-9_.-]+)+$")
  private String keyPrefix;

  @JsonPropertyDescription(
      "TLS towards etcd: the Secret with the CA and an optional client certificate. Needs https://"
          + " endpoints. Without it, https:// endpoints are verified against the system's CAs.")
  private EtcdTlsSpec tls;

  @JsonPropertyDescription("etcd authentication: the Secret with the etcd user's username and password.")
  private EtcdAuthSpec auth;

  public EtcdTlsSpec getTls() {
    return tls;
  }

  public void setTls(EtcdTlsSpec tls) {
    this.tls = tls;
  }

  public EtcdAuthSpec getAuth() {
    return auth;
  }

  public void setAuth(EtcdAuthSpec auth) {
    this.auth = auth;
  }

  public List<String> getEndpoints() {
    return endpoints;
  }

  public void setEndpoints(List<String> endpoints) {
    this.endpoints = endpoints;
  }

  public String getKeyPrefix() {
    return keyPrefix;
  }

  public void setKeyPrefix(String keyPrefix) {
    this.keyPrefix = keyPrefix;
  }
}
