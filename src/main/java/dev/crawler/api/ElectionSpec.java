package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ElectionSpec {
  public static final int DEFAULT_LEASE_TTL_SECONDS = 5;

  @JsonPropertyDescription(
      "TTL of each replica's etcd lease in seconds (2-60, default 5). A crashed leader is"
          + " replaced within about this long; a leader that shuts down cleanly is replaced at once.")
  @Min(2)
  @Max(60)
  @Default("5")
  private Integer leaseTTLSeconds = DEFAULT_LEASE_TTL_SECONDS;

  public Integer getLeaseTTLSeconds() {
    return leaseTTLSeconds;
  }

  public void setLeaseTTLSeconds(Integer leaseTTLSeconds) {
    this.leaseTTLSeconds = leaseTTLSeconds;
  }
}
