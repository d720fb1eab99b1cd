package dev.crawler.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class PodRoleLabelerTest {
  private static final String NS = "ns";
  KubernetesClient client;

  private void createPod(String name, String role) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
        .addToLabels("app.kubernetes.io/instance", "demo").endMetadata();
    if (role != null) {
      b.editMetadata().addToLabels(RoleLabels.ROLE_LABEL, role).endMetadata();
    }
    client.pods().inNamespace(NS).resource(b.build()).create();
  }

  private List<Pod> pods() {
    return client.pods().inNamespace(NS).list().getItems();
  }

  private String role(String pod) {
    return client.pods().inNamespace(NS).withName(pod).get().getMetadata().getLabels()
        .get(RoleLabels.ROLE_LABEL);
  }

  @Test
  void leadershipMovesWithoutTwoPodsEverLabelledLeader() throws Exception {
    createPod("demo-0", RoleLabels.LEADER);
    createPod("demo-1", RoleLabels.FOLLOWER);
    createPod("demo-2", null);

    // Replays what the API server stores, change by change.
    Map<String, String> seen = new HashMap<>();
    pods().forEach(p -> seen.put(p.getMetadata().getName(),
        p.getMetadata().getLabels().get(RoleLabels.ROLE_LABEL)));
    List<String> violations = new ArrayList<>();
    List<String> modifications = new ArrayList<>();
    try (Watch ignored = client.pods().inNamespace(NS).watch(new Watcher<Pod>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        synchronized (seen) {
          seen.put(pod.getMetadata().getName(), pod.getMetadata().getLabels().get(RoleLabels.ROLE_LABEL));
          modifications.add(pod.getMetadata().getName() + "=" + seen.get(pod.getMetadata().getName()));
          if (!RoleLabels.atMostOneLeader(seen)) {
            violations.add(seen.toString());
          }
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      PodRoleLabeler labeler = new PodRoleLabeler(client);
      var applied = labeler.apply(NS, pods(), Optional.of("demo-1"));
      assertThat(applied).extracting(RoleLabels.RoleChange::pod)
          .containsExactly("demo-0", "demo-2", "demo-1");
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        synchronized (seen) {
          return modifications.size() >= 3;
        }
      });
    }
    assertThat(violations).isEmpty();
    assertThat(modifications).containsSubsequence("demo-0=follower", "demo-1=leader");
    assertThat(role("demo-0")).isEqualTo("follower");
    assertThat(role("demo-1")).isEqualTo("leader");
    assertThat(role("demo-2")).isEqualTo("follower");
    assertThat(client.pods().inNamespace(NS).withName("demo-2").get().getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/instance", "demo");
  }

  @Test
  void noLeaderDemotesEveryPodAndASecondRunChangesNothing() {
    createPod("demo-0", RoleLabels.FOLLOWER);
    createPod("demo-1", RoleLabels.LEADER);
    PodRoleLabeler labeler = new PodRoleLabeler(client);
    assertThat(labeler.apply(NS, pods(), Optional.empty()))
        .containsExactly(new RoleLabels.RoleChange("demo-1", RoleLabels.FOLLOWER));
    assertThat(role("demo-1")).isEqualTo("follower");
    assertThat(labeler.apply(NS, pods(), Optional.empty())).isEmpty();
  }

  @Test
  void aPodDeletedMeanwhileIsSkipped() {
    createPod("demo-0", RoleLabels.LEADER);
    createPod("demo-1", null);
    List<Pod> listed = pods();
    client.pods().inNamespace(NS).withName("demo-0").delete();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> client.pods().inNamespace(NS).withName("demo-0").get() == null);
    assertThat(new PodRoleLabeler(client).apply(NS, listed, Optional.of("demo-1")))
        .containsExactly(new RoleLabels.RoleChange("demo-1", RoleLabels.LEADER));
    assertThat(role("demo-1")).isEqualTo("leader");
  }
}
