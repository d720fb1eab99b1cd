package dev.crawler.operator.resources;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Plans the {@code crawler.dev/role} labels of a cluster's master pods: the leader's pod gets
 * {@code leader}, every other pod {@code follower}, so the client Service (selecting
 * role=leader) routes only to the leader.
 */
public final class RoleLabels {
  private RoleLabels() {}

  public static final String ROLE_LABEL = "crawler.dev/role";
  public static final String LEADER = "leader";
  public static final String FOLLOWER = "follower";

  /** One label change: set {@code pod}'s role label to {@code role}. */
  public record RoleChange(String pod, String role) {}

  /**
   * The label changes that bring the pods to the wanted roles, in the order they must be applied:
   * every demotion of a pod labelled leader first, then followers that lack the label, the
   * promotion last. Applied in this order, no two pods are ever labelled leader together, even if
   * applying stops half-way.
   *
   * <p>A plan that promotes also sets {@code follower} again on every other pod, even those the
   * given roles already show as followers: the roles come from an informer cache, which may not
   * yet show a promotion made a moment ago, and only an unconditional demotion keeps that pod from
   * staying leader next to the new one. Promotions are rare (one per leader change), so this costs
   * a few idempotent patches per change.
   *
   * @param currentRoles pod name to its current role label (null when unlabelled)
   * @param leaderPod the pod that should lead; empty (or not among the pods) means no pod is
   *     labelled leader
   */
  public static List<RoleChange> plan(Map<String, String> currentRoles, Optional<String> leaderPod) {
    Map<String, String> sorted = new TreeMap<>(currentRoles);
    String leader = leaderPod.filter(sorted::containsKey).orElse(null);
    List<RoleChange> demotions = new ArrayList<>();
    List<RoleChange> followers = new ArrayList<>();
    List<RoleChange> promotion = new ArrayList<>();
    sorted.forEach(
        (pod, current) -> {
          if (pod.equals(leader)) {
            if (!LEADER.equals(current)) {
              promotion.add(new RoleChange(pod, LEADER));
            }
          } else if (LEADER.equals(current)) {
            demotions.add(new RoleChange(pod, FOLLOWER));
          } else if (!FOLLOWER.equals(current)) {
            followers.add(new RoleChange(pod, FOLLOWER));
          }
        });
    if (!promotion.isEmpty()) {
      sorted.forEach(
          (pod, current) -> {
            if (!pod.equals(leader) && FOLLOWER.equals(current)) {
              followers.add(new RoleChange(pod, FOLLOWER));
            }
          });
    }
    List<RoleChange> plan = new ArrayList<>(demotions);
    plan.addAll(followers);
    plan.addAll(promotion);
    return List.copyOf(plan);
  }

  /** {@link #plan(Map, Optional)} for pods as read from the API server. */
  public static List<RoleChange> plan(Collection<Pod> pods, Optional<String> leaderPod) {
    Map<String, String> roles = new TreeMap<>();
    for (Pod pod : pods) {
      Map<String, String> labels = pod.getMetadata().getLabels();
      roles.put(pod.getMetadata().getName(), labels == null ? null : labels.get(ROLE_LABEL));
    }
    return plan(roles, leaderPod);
  }

  /** True when at most one of the given roles is leader; the invariant every step must keep. */
  public static boolean atMostOneLeader(Map<String, String> roles) {
    return roles.values().stream().filter(r -> Objects.equals(r, LEADER)).count() <= 1;
  }
}
