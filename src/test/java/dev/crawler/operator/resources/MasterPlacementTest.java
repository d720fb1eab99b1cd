package dev.crawler.operator.resources;

import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static dev.crawler.testing.TestingCrawlerMasters.stored;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.PodMetadataSpec;
import dev.crawler.api.SchedulingSpec;
import dev.crawler.operator.settings.OperatorSettings;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MasterPlacementTest {
  private static final OperatorSettings SETTINGS = new OperatorSettings("crawler:1", Set.of());

  private static CrawlerMaster cluster() {
    return stored(crawlerMaster("crawl", "demo", "http://etcd:2379"), "uid-1", "2026-01-01T00:00:00Z");
  }

  private static PodSpec pod(CrawlerMaster cm) {
    return MasterResources.statefulSet(cm, SETTINGS).getSpec().getTemplate().getSpec();
  }

  @Test
  void byDefaultTheMastersPreferOneNodeEachAndSelectOnlyTheirOwnCluster() {
    CrawlerMaster cm = cluster();
    Affinity affinity = pod(cm).getAffinity();

    assertThat(affinity.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()).isNullOrEmpty();
    assertThat(affinity.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()).singleElement()
        .satisfies(w -> {
          assertThat(w.getWeight()).isEqualTo(100);
          assertThat(w.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
          assertThat(w.getPodAffinityTerm().getLabelSelector().getMatchLabels())
              .isEqualTo(MasterResources.selectorLabels(cm))
              .containsEntry("app.kubernetes.io/instance", "demo");
        });
    assertThat(affinity.getNodeAffinity()).isNull();
  }

  @Test
  void requiredAntiAffinityOverTheGivenTopologyKeyIsAHardRule() {
    CrawlerMaster cm = cluster();
    cm.getSpec().getScheduling().setPodAntiAffinity(SchedulingSpec.PodAntiAffinity.required);
    cm.getSpec().getScheduling().setTopologyKey("topology.kubernetes.io/zone");
    var anti = pod(cm).getAffinity().getPodAntiAffinity();

    assertThat(anti.getPreferredDuringSchedulingIgnoredDuringExecution()).isNullOrEmpty();
    assertThat(anti.getRequiredDuringSchedulingIgnoredDuringExecution()).singleElement()
        .satisfies(t -> assertThat(t.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone"));
  }

  @Test
  void disabledAntiAffinityLeavesNoAffinityAtAll() {
    CrawlerMaster cm = cluster();
    cm.getSpec().getScheduling().setPodAntiAffinity(SchedulingSpec.PodAntiAffinity.disabled);

    assertThat(pod(cm).getAffinity()).isNull();
  }

  @Test
  void theUsersAffinityIsKeptAndItsAntiAffinityTermsAreAddedToOurs() {
    CrawlerMaster cm = cluster();
    cm.getSpec().getScheduling().setAffinity(new AffinityBuilder()
        .withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewNodeSelectorTerm().addNewMatchExpression().withKey("pool").withOperator("In").withValues("crawl")
        .endMatchExpression().endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity()
        .withNewPodAntiAffinity().addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(10)
        .withNewPodAffinityTerm().withTopologyKey("rack").endPodAffinityTerm()
        .endPreferredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity()
        .build());
    Affinity given = new AffinityBuilder(cm.getSpec().getScheduling().getAffinity()).build();
    Affinity affinity = pod(cm).getAffinity();

    assertThat(affinity.getNodeAffinity()).isEqualTo(given.getNodeAffinity());
    assertThat(affinity.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
        .extracting(w -> w.getWeight() + "@" + w.getPodAffinityTerm().getTopologyKey())
        .containsExactly("100@kubernetes.io/hostname", "10@rack");
    assertThat(cm.getSpec().getScheduling().getAffinity()).as("the spec is not changed").isEqualTo(given);
  }

  @Test
  void everyPassThroughFieldReachesThePodTemplate() {
    CrawlerMaster cm = cluster();
    SchedulingSpec s = cm.getSpec().getScheduling();
    s.setNodeSelector(Map.of("pool", "crawl"));
    Toleration toleration = new Toleration("NoSchedule", "dedicated", "Equal", null, "crawl");
    s.setTolerations(List.of(toleration));
    s.setPriorityClassName("crawl-critical");
    var spread = new TopologySpreadConstraintBuilder().withMaxSkew(1).withTopologyKey("topology.kubernetes.io/zone")
        .withWhenUnsatisfiable("ScheduleAnyway").build();
    s.setTopologySpreadConstraints(List.of(spread));
    cm.getSpec().setImagePullSecrets(List.of(new LocalObjectReference("registry")));
    PodSpec pod = pod(cm);

    assertThat(pod.getNodeSelector()).isEqualTo(Map.of("pool", "crawl"));
    assertThat(pod.getTolerations()).containsExactly(toleration);
    assertThat(pod.getPriorityClassName()).isEqualTo("crawl-critical");
    assertThat(pod.getTopologySpreadConstraints()).containsExactly(spread);
    assertThat(pod.getImagePullSecrets()).extracting(LocalObjectReference::getName).containsExactly("registry");
  }

  @Test
  void unsetPassThroughFieldsStayUnset() {
    PodSpec pod = pod(cluster());

    assertThat(pod.getNodeSelector()).isNullOrEmpty();
    assertThat(pod.getTolerations()).isNullOrEmpty();
    assertThat(pod.getPriorityClassName()).isNull();
    assertThat(pod.getTopologySpreadConstraints()).isNullOrEmpty();
    assertThat(pod.getImagePullSecrets()).isNullOrEmpty();
  }

  @Test
  void theOperatorsLabelsAndAnnotationsWinAndItsPrefixesCannotBeSet() {
    CrawlerMaster cm = cluster();
    PodMetadataSpec meta = new PodMetadataSpec();
    meta.setLabels(Map.of("team", "crawl", "app.kubernetes.io/instance", "other", "crawler.dev/role", "leader"));
    meta.setAnnotations(Map.of("sidecar.istio.io/inject", "false", "crawler.dev/etcd-secrets-digest", "x"));
    cm.getSpec().setPodMetadata(meta);
    StatefulSet sts = MasterResources.statefulSet(cm, SETTINGS);
    Map<String, String> labels = sts.getSpec().getTemplate().getMetadata().getLabels();
    Map<String, String> annotations = sts.getSpec().getTemplate().getMetadata().getAnnotations();

    assertThat(labels).containsEntry("team", "crawl").containsEntry("app.kubernetes.io/instance", "demo")
        .doesNotContainKey("crawler.dev/role")
        .containsAllEntriesOf(MasterResources.labels(cm));
    assertThat(sts.getSpec().getSelector().getMatchLabels()).isEqualTo(MasterResources.selectorLabels(cm));
    assertThat(annotations).containsEntry("sidecar.istio.io/inject", "false")
        .doesNotContainKey("crawler.dev/etcd-secrets-digest");
  }

  @Test
  void theDisruptionBudgetLetsOneMasterOfThisClusterGoAtATime() {
    CrawlerMaster cm = cluster();
    PodDisruptionBudget pdb = MasterResources.podDisruptionBudget(cm);

    assertThat(pdb.getMetadata().getName()).isEqualTo("demo");
    assertThat(pdb.getMetadata().getNamespace()).isEqualTo("crawl");
    assertThat(pdb.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(ref -> assertThat(ref.getController()).isTrue());
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getMinAvailable()).isNull();
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .isEqualTo(MasterResources.statefulSet(cm, SETTINGS).getSpec().getSelector().getMatchLabels());
    assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow");
  }

  @Test
  void workersPullWithTheSameSecretsButKeepTheirOwnPlacement() {
    CrawlerMaster cm = cluster();
    cm.getSpec().setWorkers(new dev.crawler.api.WorkersSpec());
    cm.getSpec().setImagePullSecrets(List.of(new LocalObjectReference("registry")));
    cm.getSpec().getScheduling().setNodeSelector(Map.of("pool", "masters"));
    PodSpec workers = WorkerResources.deployment(cm, SETTINGS, new dev.crawler.operator.etcd.EtcdSecrets.Usable(dev.crawler.etcd.EtcdCredentials.NONE, false))
        .getSpec().getTemplate().getSpec();

    assertThat(workers.getImagePullSecrets()).extracting(LocalObjectReference::getName).containsExactly("registry");
    assertThat(workers.getNodeSelector()).isNullOrEmpty();
    assertThat(workers.getAffinity()).isNull();
  }
}
