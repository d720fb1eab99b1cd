package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ElectionSpec {
  public static final int DEFAULT_LEASE_TTL_SECONDS = 5;
  /** The lease TTL range, the same for the schema and for a replica run by hand. */
  public static final int MIN_LEASE_TTL_SECONDS = 2;
  public static final int MAX_LEASE_TTL_SECONDS = 60;

  @JsonPropertyDescription(
      "TTL of each replica's etcd lease in seconds (" + MIN_LEASE_TTL_SECONDS + "-" + MAX_LEASE_TTL_SECONDS
          + ", default " + DEFAULT_LEASE_TTL_SECONDS + "). A crashed leader is replaced within about"
          + " this long; a leader that shuts down cleanly is replaced at once.")
  @Min(MIN_LEASE_TTL_SECONDS)
  @Max(MAX_LEASE_TTL_SECONDS)
  @Default("" + DEFAULT_LEASE_TTL_SECONDS)
  private Integer leaseTTLSeconds = DEFAULT_LEASE_TTL_SECONDS;

  public Integer getLeaseTTLSeconds() {
    return leaseTTLSeconds;
  }

  public void setLeaseTTLSeconds(Integer leaseTTLSeconds) {
    this.leaseTTLSeconds = leaseTTLSeconds;
  }
}
