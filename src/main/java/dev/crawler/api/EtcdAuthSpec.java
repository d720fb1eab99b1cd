package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** etcd's own authentication: which Secret holds the user name and password. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EtcdAuthSpec {
  public static final String USERNAME_KEY = "username";
  public static final String PASSWORD_KEY = "password";

  @JsonPropertyDescription(
      "Name of a Secret in this CrawlerMaster's namespace with the etcd user's username and"
          + " password. Give that user a role with readwrite on this cluster's keyPrefix only."
          + " Masters read the password from a mounted file, never from an environment variable."
          + " Changing the Secret rolls the masters.")
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
