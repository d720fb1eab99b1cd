package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;

/**
 * Where a CrawlerMaster's masters may run. By default they prefer to stay apart, one per node
 * ({@code kubernetes.io/hostname}): preferred, so a one-node cluster still runs them all, and a
 * node loss then costs one master instead of the cluster.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchedulingSpec {
  public static final String DEFAULT_TOPOLOGY_KEY = "kubernetes.io/hostname";

  /** How strongly the masters of one CrawlerMaster are kept apart. */
  public enum PodAntiAffinity {
    /** The scheduler tries to put them on different topology domains, and still schedules them when it cannot. */
    preferred,
    /** Never two on one topology domain: a master stays Pending when there is no free domain. */
    required,
    /** The operator adds no anti-affinity. */
    disabled
  }

  @JsonPropertyDescription("How the masters of this CrawlerMaster are kept apart across topologyKey: preferred"
      + " (default; the scheduler tries, and a one-node cluster still runs them all), required (never two in one"
      + " domain; a master stays Pending when none is free) or disabled.")
  @Default("preferred")
  private PodAntiAffinity podAntiAffinity = PodAntiAffinity.preferred;

  @JsonPropertyDescription("The node label that podAntiAffinity spreads the masters over (default"
      + " kubernetes.io/hostname: one master per node; topology.kubernetes.io/zone: one per zone).")
  @Default(DEFAULT_TOPOLOGY_KEY)
  private String topologyKey = DEFAULT_TOPOLOGY_KEY;

  @JsonPropertyDescription("Affinity of the master pods, as in a pod spec. Its node and pod affinity are used as"
      + " given; its pod anti-affinity terms are added to the one podAntiAffinity makes.")
  private Affinity affinity;

  @JsonPropertyDescription("Topology spread constraints of the master pods, as in a pod spec.")
  private List<TopologySpreadConstraint> topologySpreadConstraints;

  @JsonPropertyDescription("Node labels a node must have to run a master, as in a pod spec.")
  private Map<String, String> nodeSelector;

  @JsonPropertyDescription("Tolerations of the master pods, as in a pod spec (e.g. to run on dedicated nodes).")
  private List<Toleration> tolerations;

  @JsonPropertyDescription("PriorityClass of the master pods (it must exist).")
  private String priorityClassName;

  public PodAntiAffinity getPodAntiAffinity() {
    return podAntiAffinity;
  }

  public void setPodAntiAffinity(PodAntiAffinity podAntiAffinity) {
    this.podAntiAffinity = podAntiAffinity;
  }

  public String getTopologyKey() {
    return topologyKey;
  }

  public void setTopologyKey(String topologyKey) {
    this.topologyKey = topologyKey;
  }

  public Affinity getAffinity() {
    return affinity;
  }

  public void setAffinity(Affinity affinity) {
    this.affinity = affinity;
  }

  public List<TopologySpreadConstraint> getTopologySpreadConstraints() {
    return topologySpreadConstraints;
  }

  public void setTopologySpreadConstraints(List<TopologySpreadConstraint> topologySpreadConstraints) {
    this.topologySpreadConstraints = topologySpreadConstraints;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public String getPriorityClassName() {
    return priorityClassName;
  }

  public void setPriorityClassName(String priorityClassName) {
    this.priorityClassName = priorityClassName;
  }
}
