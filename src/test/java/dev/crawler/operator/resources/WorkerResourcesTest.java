package dev.crawler.operator.resources;

import static dev.crawler.testing.TestingCrawlerMasters.stored;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.operator.etcd.EtcdSecrets;
import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.MasterEnv;
import dev.crawler.api.WorkerEnv;
import dev.crawler.api.WorkersSpec;
import dev.crawler.api.EtcdAuthSpec;
import dev.crawler.etcd.EtcdCredentials;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WorkerResourcesTest {
  private static final OperatorSettings SETTINGS = new OperatorSettings("registry.example/crawler:1.2", Set.of());
  private static final EtcdSecrets.Usable NO_SECRETS = new EtcdSecrets.Usable(EtcdCredentials.NONE, false);

  private static CrawlerMaster withWorkers() {
    CrawlerMaster cm = stored(dev.crawler.testing.TestingCrawlerMasters.crawlerMaster("ns", "demo", "http://etcd:2379"),
        "uid-1", "2026-12-07T00:00:00Z");
    cm.getSpec().setWorkers(new WorkersSpec());
    return cm;
  }

  private static Map<String, EnvVar> env(Container c) {
    return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, Function.identity()));
  }

  @Test
  void theDeploymentRunsTheWorkerCommandWithTheClustersEtcdAndTheDefaults() {
    Deployment d = WorkerResources.deployment(withWorkers(), SETTINGS, NO_SECRETS);
    assertThat(d.getMetadata().getName()).isEqualTo("demo-workers");
    assertThat(d.getSpec().getReplicas()).isEqualTo(WorkersSpec.DEFAULT_REPLICAS);
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getArgs()).containsExactly("worker");
    assertThat(c.getImage()).isEqualTo("registry.example/crawler:1.2");
    Map<String, EnvVar> env = env(c);
    assertThat(env.get(MasterEnv.ETCD_ENDPOINTS).getValue()).isEqualTo("http://etcd:2379");
    assertThat(env.get(MasterEnv.KEY_PREFIX).getValue()).isEqualTo("/crawler/ns/demo");
    assertThat(env.get(MasterEnv.POD_NAME).getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    assertThat(env.get(WorkerEnv.LEASE_TTL_SECONDS).getValue()).isEqualTo("5");
    assertThat(env.get(WorkerEnv.CRAWL_DELAY_MILLIS).getValue()).isEqualTo("500");
    assertThat(env.get(MasterEnv.ALLOW_PRIVATE_TARGETS).getValue()).isEqualTo("false");
    assertThat(env.get(WorkerEnv.OUTPUT_DIR).getValue()).isEqualTo(WorkerResources.OUTPUT_DIR);
    assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo(WorkerResources.OUTPUT_DIR));
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
  }

  @Test
  void theWorkerPodsMeetTheRestrictedPodSecurityProfile() {
    var pod = WorkerResources.deployment(withWorkers(), SETTINGS, NO_SECRETS).getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    var sc = pod.getContainers().get(0).getSecurityContext();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  void noSelectorOfTheMastersMatchesTheWorkerPods() {
    CrawlerMaster cm = withWorkers();
    Map<String, String> workerLabels = WorkerResources.deployment(cm, SETTINGS, NO_SECRETS)
        .getSpec().getTemplate().getMetadata().getLabels();
    for (Map<String, String> selector : java.util.List.of(
        MasterResources.statefulSet(cm, SETTINGS).getSpec().getSelector().getMatchLabels(),
        MasterResources.headlessService(cm).getSpec().getSelector(),
        MasterResources.clientService(cm).getSpec().getSelector(),
        parse(MasterResources.PODS_SELECTOR))) {
      assertThat(workerLabels.entrySet().containsAll(selector.entrySet())).as("selector %s matches", selector).isFalse();
    }
    // ... while the operator's informer of managed objects does see the Deployment.
    assertThat(WorkerResources.deployment(cm, SETTINGS, NO_SECRETS).getMetadata().getLabels().entrySet())
        .containsAll(parse(MasterResources.MANAGED_SELECTOR).entrySet());
  }

  @Test
  void theSpecsFieldsReachTheContainerAndTheEtcdSecretsAreMountedAsForTheMasters() {
    CrawlerMaster cm = withWorkers();
    WorkersSpec w = cm.getSpec().getWorkers();
    w.setReplicas(7);
    w.setImage("registry.example/other:2");
    w.setLeaseTTLSeconds(9);
    w.setCrawlDelayMillis(0);
    w.setMaxConcurrentResources(12);
    w.setAllowPrivateTargets(true);
    EtcdAuthSpec auth = new EtcdAuthSpec();
    auth.setSecretName("etcd-user");
    cm.getSpec().getEtcd().setAuth(auth);
    Deployment d = WorkerResources.deployment(cm, SETTINGS, NO_SECRETS);
    assertThat(d.getSpec().getReplicas()).isEqualTo(7);
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("registry.example/other:2");
    Map<String, EnvVar> env = env(c);
    assertThat(env.get(WorkerEnv.LEASE_TTL_SECONDS).getValue()).isEqualTo("9");
    assertThat(env.get(WorkerEnv.CRAWL_DELAY_MILLIS).getValue()).isEqualTo("0");
    assertThat(env.get(WorkerEnv.MAX_CONCURRENT_RESOURCES).getValue()).isEqualTo("12");
    assertThat(env.get(MasterEnv.ALLOW_PRIVATE_TARGETS).getValue()).isEqualTo("true");
    Container master = MasterResources.statefulSet(cm, SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(env.get(MasterEnv.ETCD_PASSWORD_FILE)).isEqualTo(env(master).get(MasterEnv.ETCD_PASSWORD_FILE));
    assertThat(env.get(MasterEnv.ETCD_USERNAME)).isEqualTo(env(master).get(MasterEnv.ETCD_USERNAME));
    assertThat(d.getSpec().getTemplate().getSpec().getVolumes()).anySatisfy(v ->
        assertThat(v.getSecret() == null ? null : v.getSecret().getSecretName()).isEqualTo("etcd-user"));
  }

  private static Map<String, String> parse(String selector) {
    return java.util.Arrays.stream(selector.split(",")).map(s -> s.split("=", 2))
        .collect(Collectors.toMap(a -> a[0], a -> a[1]));
  }
}
