package dev.crawler.operator.resources;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@link RoleLabels} plan to pods with JSON merge patches, one pod at a time and in the
 * plan's order, so the old leader loses its label before the new one gets it. A patch touches only
 * the role label; other labels and the rest of the pod are left to their owners.
 */
public final class PodRoleLabeler {
  private static final Logger log = LoggerFactory.getLogger(PodRoleLabeler.class);

  private final KubernetesClient client;

  public PodRoleLabeler(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Labels the pods for {@code leaderPod} and returns the changes made. A pod that is gone is
   * skipped; any other failure stops before the later (promoting) steps and is thrown.
   */
  public List<RoleLabels.RoleChange> apply(
      String namespace, Collection<Pod> pods, Optional<String> leaderPod) {
    Map<String, Pod> byName = new HashMap<>();
    pods.forEach(p -> byName.put(p.getMetadata().getName(), p));
    List<RoleLabels.RoleChange> applied = new ArrayList<>();
    for (RoleLabels.RoleChange change : RoleLabels.plan(pods, leaderPod)) {
      String patch =
          "{\"metadata\":{\"labels\":{\"" + RoleLabels.ROLE_LABEL + "\":\"" + change.role() + "\"}}}";
      try {
        // Patched through the known pod, not withName(): fabric8 would GET the pod first, which
        // costs a round trip and the RBAC verb get. The merge patch carries no resourceVersion,
        // so a pod changed meanwhile by others is patched all the same.
        client.pods().inNamespace(namespace).resource(byName.get(change.pod()))
            .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        applied.add(change);
        log.debug("{}/{}: {}={}", namespace, change.pod(), RoleLabels.ROLE_LABEL, change.role());
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
          throw e;
        }
        log.debug("{}/{} is gone; not labelling it", namespace, change.pod());
      }
    }
    return applied;
  }
}
