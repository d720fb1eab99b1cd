package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * Crawl workers the operator runs for a CrawlerMaster (a Deployment {@code <name>-workers}); they
 * register in the same etcd under the same prefix and crawl what the leader assigns
 * (docs/worker-protocol.md).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkersSpec {
  public static final int DEFAULT_REPLICAS = 2;
  public static final int DEFAULT_LEASE_TTL_SECONDS = 5;
  public static final int DEFAULT_CRAWL_DELAY_MILLIS = 500;
  public static final int DEFAULT_MAX_CONCURRENT_RESOURCES = 4;

  @JsonPropertyDescription("Number of worker pods (0-100, default 2). Each takes resources from the leader.")
  @Min(0)
  @Max(100)
  @Default("2")
  private Integer replicas = DEFAULT_REPLICAS;

  @JsonPropertyDescription("Container image of the workers; defaults to the masters' image (the same jar runs both).")
  private String image;

  @JsonPropertyDescription("CPU and memory of each worker container; default requests cpu 100m, memory 128Mi,"
      + " limit memory 256Mi.")
  private ResourceRequirements resources;

  @JsonPropertyDescription("TTL of each worker's etcd lease in seconds (2-60, default 5): a dead worker's"
      + " resources move to another worker after about this long.")
  @Min(2)
  @Max(60)
  @Default("5")
  private Integer leaseTTLSeconds = DEFAULT_LEASE_TTL_SECONDS;

  @JsonPropertyDescription("Least milliseconds between two fetches from one host by one worker (0-60000,"
      + " default 500); a robots.txt Crawl-delay may raise it.")
  @Min(0)
  @Max(60000)
  @Default("500")
  private Integer crawlDelayMillis = DEFAULT_CRAWL_DELAY_MILLIS;

  @JsonPropertyDescription("Resources one worker crawls at once (1-64, default 4); the rest wait their turn.")
  @Min(1)
  @Max(64)
  @Default("4")
  private Integer maxConcurrentResources = DEFAULT_MAX_CONCURRENT_RESOURCES;

  @JsonPropertyDescription("Let workers connect to loopback, private and link-local addresses (default false:"
      + " such addresses are refused after resolving each name). Needed to crawl sites inside the cluster.")
  @Default("false")
  private Boolean allowPrivateTargets = false;

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public Integer getLeaseTTLSeconds() {
    return leaseTTLSeconds;
  }

  public void setLeaseTTLSeconds(Integer leaseTTLSeconds) {
    this.leaseTTLSeconds = leaseTTLSeconds;
  }

  public Integer getCrawlDelayMillis() {
    return crawlDelayMillis;
  }

  public void setCrawlDelayMillis(Integer crawlDelayMillis) {
    this.crawlDelayMillis = crawlDelayMillis;
  }

  public Integer getMaxConcurrentResources() {
    return maxConcurrentResources;
  }

  public void setMaxConcurrentResources(Integer maxConcurrentResources) {
    this.maxConcurrentResources = maxConcurrentResources;
  }

  public Boolean getAllowPrivateTargets() {
    return allowPrivateTargets;
  }

  public void setAllowPrivateTargets(Boolean allowPrivateTargets) {
    this.allowPrivateTargets = allowPrivateTargets;
  }
}
