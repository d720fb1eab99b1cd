package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Observed state, written only by the operator's reconciler. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CrawlerMasterStatus {
  @JsonPropertyDescription("The metadata.generation the operator last acted on.")
  private Long observedGeneration;

  @JsonPropertyDescription("Number of master pods that exist (from the StatefulSet).")
  @StatusReplicas
  private Integer replicas;

  @JsonPropertyDescription("Number of master pods that are ready.")
  private Integer readyReplicas;

  @JsonPropertyDescription("Id (pod name) of the replica that currently leads, as etcd's election says.")
  private String leader;

  @JsonPropertyDescription("host:port at which the leader serves its API.")
  private String leaderAddress;

  @JsonPropertyDescription(
      "The leader's term: the etcd create revision of its election key. Grows with every new"
          + " leadership; every leader-only write is fenced by it.")
  private Long term;

  @JsonPropertyDescription("When the operator saw the current leader take over (RFC 3339).")
  private String leaderSince;

  @JsonPropertyDescription("How many times leadership has passed to a new leader since the cluster was created.")
  private Long leaderTransitions;

  @JsonPropertyDescription(
      "Workers registered in etcd under this cluster's prefix (those of spec.workers and any others),"
          + " as the operator last counted; absent while it could not count them.")
  private Integer workers;

  @JsonPropertyDescription(
      "Ready (replicas ready and a leader elected), LeaderElected, EtcdReachable.")
  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public Integer getWorkers() {
    return workers;
  }

  public void setWorkers(Integer workers) {
    this.workers = workers;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

  public String getLeader() {
    return leader;
  }

  public void setLeader(String leader) {
    this.leader = leader;
  }

  public String getLeaderAddress() {
    return leaderAddress;
  }

  public void setLeaderAddress(String leaderAddress) {
    this.leaderAddress = leaderAddress;
  }

  public Long getTerm() {
    return term;
  }

  public void setTerm(Long term) {
    this.term = term;
  }

  public String getLeaderSince() {
    return leaderSince;
  }

  public void setLeaderSince(String leaderSince) {
    this.leaderSince = leaderSince;
  }

  public Long getLeaderTransitions() {
    return leaderTransitions;
  }

  public void setLeaderTransitions(Long leaderTransitions) {
    this.leaderTransitions = leaderTransitions;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CrawlerMasterStatus s)) {
      return false;
    }
    return Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(replicas, s.replicas)
        && Objects.equals(readyReplicas, s.readyReplicas)
        && Objects.equals(leader, s.leader)
        && Objects.equals(leaderAddress, s.leaderAddress)
        && Objects.equals(term, s.term)
        && Objects.equals(leaderSince, s.leaderSince)
        && Objects.equals(leaderTransitions, s.leaderTransitions)
        && Objects.equals(workers, s.workers)
        && Objects.equals(conditions, s.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, replicas, readyReplicas, leader, leaderAddress, term,
        leaderSince, leaderTransitions, workers, conditions);
  }
}
