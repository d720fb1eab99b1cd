package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class CrawlerMasterSpec {
  public static final int DEFAULT_REPLICAS = 3;
  public static final int DEFAULT_PORT = 8080;

  @JsonPropertyDescription(
      "Number of master replicas (1-9). One of them leads; the others forward requests to it and"
          + " take over when it fails. Use an odd number of at least 3 for fault tolerance.")
  @Min(1)
  @Max(9)
  @Default("3")
  @SpecReplicas
  private Integer replicas = DEFAULT_REPLICAS;

  @JsonPropertyDescription(
      "Container image of the master replicas. Defaults to the image the operator was configured"
          + " with (its --master-image flag).")
  private String image;

  @JsonPropertyDescription("The etcd cluster that holds this master cluster's election and state.")
  @Required
  private EtcdSpec etcd;

  @JsonPropertyDescription("Leader election settings.")
  // Without an object default the API server never applies leaseTTLSeconds' default when
  // election is omitted: structural defaulting only descends into objects that are present.
  @Default("{}")
  private ElectionSpec election = new ElectionSpec();

  @JsonPropertyDescription("HTTP port of each master replica's API (1-65535, default 8080).")
  @Min(1)
  @Max(65535)
  @Default("8080")
  private Integer port = DEFAULT_PORT;

  @JsonPropertyDescription("CPU and memory requests and limits of each master container.")
  private ResourceRequirements resources;

  @JsonPropertyDescription(
      "Crawl workers the operator runs for this cluster (a Deployment <name>-workers). Absent: no"
          + " workers are run; workers started elsewhere may still register in etcd.")
  private WorkersSpec workers;

  @JsonPropertyDescription("Where the masters may run: kept apart across nodes by default (a preferred pod"
      + " anti-affinity on kubernetes.io/hostname), plus affinity, topology spread, node selector, tolerations and"
      + " priority class as in a pod spec.")
  @Default("{}")
  private SchedulingSpec scheduling = new SchedulingSpec();

  @JsonPropertyDescription("Secrets to pull the master and worker images with (a private registry), as in a pod spec.")
  private List<LocalObjectReference> imagePullSecrets;

  @JsonPropertyDescription("Labels and annotations added to the master pods.")
  private PodMetadataSpec podMetadata;

  /** The log levels of the master and worker processes ({@code --log-level}, {@code CRAWLER_LOG_LEVEL}). */
  public enum LogLevel {
    error, warn, info, debug, trace
  }

  @JsonPropertyDescription("Log level of the masters and workers (CRAWLER_LOG_LEVEL): error, warn, info, debug or"
      + " trace. Absent: info. Changing it rolls the masters, with one leader change.")
  private LogLevel logLevel;

  @JsonPropertyDescription("Whether the operator keeps a PodDisruptionBudget <name> with maxUnavailable 1 over the"
      + " masters (default true), so a node drain evicts one master at a time; a master that is not Ready may"
      + " always be evicted. The operator's own rollout deletes pods itself and is not held up by it.")
  @Default("true")
  private Boolean enablePodDisruptionBudget = true;

  public LogLevel getLogLevel() {
    return logLevel;
  }

  public void setLogLevel(LogLevel logLevel) {
    this.logLevel = logLevel;
  }

  public SchedulingSpec getScheduling() {
    return scheduling;
  }

  public void setScheduling(SchedulingSpec scheduling) {
    this.scheduling = scheduling;
  }

  public List<LocalObjectReference> getImagePullSecrets() {
    return imagePullSecrets;
  }

  public void setImagePullSecrets(List<LocalObjectReference> imagePullSecrets) {
    this.imagePullSecrets = imagePullSecrets;
  }

  public PodMetadataSpec getPodMetadata() {
    return podMetadata;
  }

  public void setPodMetadata(PodMetadataSpec podMetadata) {
    this.podMetadata = podMetadata;
  }

  public Boolean getEnablePodDisruptionBudget() {
    return enablePodDisruptionBudget;
  }

  public void setEnablePodDisruptionBudget(Boolean enablePodDisruptionBudget) {
    this.enablePodDisruptionBudget = enablePodDisruptionBudget;
  }

  public WorkersSpec getWorkers() {
    return workers;
  }

  public void setWorkers(WorkersSpec workers) {
    this.workers = workers;
  }

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

  public EtcdSpec getEtcd() {
    return etcd;
  }

  public void setEtcd(EtcdSpec etcd) {
    this.etcd = etcd;
  }

  public ElectionSpec getElection() {
    return election;
  }

  public void setElection(ElectionSpec election) {
    this.election = election;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }
}
