package dev.crawler.operator.resources;

import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.operator.etcd.EtcdSecrets;
import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static dev.crawler.testing.TestingCrawlerMasters.stored;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.MasterEnv;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MasterResourcesTest {
  private static final OperatorSettings SETTINGS = new OperatorSettings("registry.example/crawler:1.2", Set.of());

  private static CrawlerMaster demo() {
    CrawlerMaster cm = stored(crawlerMaster("crawl", "demo", "http://etcd-0.etcd:2379", "http://etcd-1.etcd:2379"),
        "uid-1", "2026-01-01T00:00:00Z");
    cm.getSpec().setReplicas(5);
    cm.getSpec().setPort(9090);
    cm.getSpec().getElection().setLeaseTTLSeconds(7);
    return cm;
  }

  private static Map<String, EnvVar> env(StatefulSet sts) {
    return sts.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .collect(Collectors.toMap(EnvVar::getName, Function.identity()));
  }

  @Test
  void statefulSetRunsTheRequestedReplicasOfTheMasterCommandBehindTheHeadlessService() {
    StatefulSet sts = MasterResources.statefulSet(demo(), SETTINGS);

    assertThat(sts.getMetadata().getName()).isEqualTo("demo");
    assertThat(sts.getMetadata().getNamespace()).isEqualTo("crawl");
    assertThat(sts.getSpec().getReplicas()).isEqualTo(5);
    assertThat(sts.getSpec().getServiceName()).isEqualTo("demo-headless");
    assertThat(sts.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
    Container c = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getArgs()).containsExactly("master");
    assertThat(c.getImage()).isEqualTo("registry.example/crawler:1.2");
    assertThat(c.getPorts()).extracting(p -> p.getName() + "=" + p.getContainerPort())
        .containsExactly("http=9090", "probes=8081");
  }

  @Test
  void specLogLevelReachesMastersAndWorkersAndIsAbsentByDefault() {
    CrawlerMaster cm = demo();
    cm.getSpec().setWorkers(new dev.crawler.api.WorkersSpec());
    var access = new dev.crawler.operator.etcd.EtcdSecrets.Usable(dev.crawler.etcd.EtcdCredentials.NONE, false);
    assertThat(env(MasterResources.statefulSet(cm, SETTINGS))).doesNotContainKey("CRAWLER_LOG_LEVEL");

    cm.getSpec().setLogLevel(dev.crawler.api.CrawlerMasterSpec.LogLevel.debug);
    assertThat(env(MasterResources.statefulSet(cm, SETTINGS)).get("CRAWLER_LOG_LEVEL").getValue()).isEqualTo("debug");
    assertThat(WorkerResources.deployment(cm, SETTINGS, access).getSpec().getTemplate().getSpec().getContainers().get(0)
        .getEnv()).anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("CRAWLER_LOG_LEVEL=debug"));
  }

  @Test
  void labelsIdentifyTheInstanceAndTheSelectorExcludesTheMutableOnes() {
    StatefulSet sts = MasterResources.statefulSet(demo(), SETTINGS);
    Map<String, String> expected = Map.of(
        "app.kubernetes.io/name", "crawler-master",
        "app.kubernetes.io/instance", "demo",
        "app.kubernetes.io/managed-by", "crawler-operator");

    assertThat(sts.getMetadata().getLabels()).isEqualTo(expected);
    assertThat(sts.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(expected);
    assertThat(sts.getSpec().getSelector().getMatchLabels()).isEqualTo(Map.of(
        "app.kubernetes.io/name", "crawler-master", "app.kubernetes.io/instance", "demo"));
  }

  @Test
  void specImageOverridesTheOperatorDefault() {
    CrawlerMaster cm = demo();
    cm.getSpec().setImage("mine:2");

    assertThat(MasterResources.statefulSet(cm, SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0)
        .getImage()).isEqualTo("mine:2");
  }

  @Test
  void envCarriesDownwardApiAndSpecValuesUnderTheMasterEnvNames() {
    Map<String, EnvVar> env = env(MasterResources.statefulSet(demo(), SETTINGS));

    assertThat(env.get(MasterEnv.POD_NAME).getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    assertThat(env.get(MasterEnv.POD_IP).getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
    assertThat(env.get(MasterEnv.POD_NAMESPACE).getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(env.get(MasterEnv.ETCD_ENDPOINTS).getValue()).isEqualTo("http://etcd-0.etcd:2379,http://etcd-1.etcd:2379");
    assertThat(env.get(MasterEnv.KEY_PREFIX).getValue()).isEqualTo("/crawler/crawl/demo");
    assertThat(env.get(MasterEnv.LEASE_TTL_SECONDS).getValue()).isEqualTo("7");
    assertThat(env.get(MasterEnv.PORT).getValue()).isEqualTo("9090");
    assertThat(env.get(MasterEnv.ADVERTISE_ADDRESS).getValue()).isEqualTo("$(POD_IP):9090");
  }

  @Test
  void advertiseAddressComesAfterPodIpSoKubernetesExpandsIt() {
    var names = MasterResources.statefulSet(demo(), SETTINGS).getSpec().getTemplate().getSpec().getContainers()
        .get(0).getEnv().stream().map(EnvVar::getName).toList();

    assertThat(names.indexOf(MasterEnv.POD_IP)).isLessThan(names.indexOf(MasterEnv.ADVERTISE_ADDRESS));
  }

  @Test
  void explicitKeyPrefixIsPassedOn() {
    CrawlerMaster cm = demo();
    cm.getSpec().getEtcd().setKeyPrefix("/tenants/a");

    assertThat(env(MasterResources.statefulSet(cm, SETTINGS)).get(MasterEnv.KEY_PREFIX).getValue())
        .isEqualTo("/tenants/a");
  }

  @Test
  void probesHitHealthzAndReadyzOnTheirOwnPort() {
    Container c = MasterResources.statefulSet(demo(), SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0);

    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("probes");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("probes");
    assertThat(MasterResources.env(demo())).filteredOn(e -> e.getName().equals(MasterEnv.PROBE_PORT))
        .singleElement().satisfies(e -> assertThat(e.getValue()).isEqualTo("8081"));
  }

  @Test
  void probePortMovesAsideWhenTheApiPortTakesIt() {
    assertThat(dev.crawler.api.MasterPaths.probePort(8081)).isEqualTo(8082);
    assertThat(dev.crawler.api.MasterPaths.probePort(8080)).isEqualTo(8081);
  }

  @Test
  void followersAreToldTheHeadlessServiceTheirPeersAreBehind() {
    assertThat(MasterResources.env(demo())).filteredOn(e -> e.getName().equals(MasterEnv.PEER_SERVICE))
        .singleElement().satisfies(e -> assertThat(e.getValue()).isEqualTo("demo-headless.crawl.svc"));
  }

  @Test
  void podsAreAnnotatedForPrometheusToScrapeMetricsOnTheProbePort() {
    StatefulSet sts = MasterResources.statefulSet(demo(), SETTINGS);

    assertThat(sts.getSpec().getTemplate().getMetadata().getAnnotations()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "prometheus.io/scrape", "true",
        "prometheus.io/port", "8081",
        "prometheus.io/path", "/metrics"));
    assertThat(sts.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/path"))
        .isEqualTo(dev.crawler.api.MasterPaths.METRICS);
  }

  @Test
  void podFitsTheRestrictedPodSecurityProfile() {
    PodSpec pod = MasterResources.statefulSet(demo(), SETTINGS).getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isNotZero();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(c.getVolumeMounts()).singleElement().satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(pod.getVolumes()).singleElement().satisfies(v -> {
      assertThat(v.getName()).isEqualTo(c.getVolumeMounts().get(0).getName());
      assertThat(v.getEmptyDir()).isNotNull();
    });
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(10L);
  }

  @Test
  void specResourcesReplaceTheDefaults() {
    CrawlerMaster cm = demo();
    cm.getSpec().setResources(new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("1Gi")).build());

    assertThat(MasterResources.statefulSet(cm, SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0)
        .getResources().getLimits()).isEqualTo(Map.of("memory", new Quantity("1Gi")));
    assertThat(MasterResources.statefulSet(demo(), SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0)
        .getResources().getRequests()).containsKeys("cpu", "memory");
  }

  @Test
  void withoutSpecResourcesTheMasterRequestsWhatALeaderUsesAndIsLimitedToTheImagesJvmCapsPlusHeadroom() {
    Container c = MasterResources.statefulSet(demo(), SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0);

    // docs/benchmarks.md, "Footprint": RSS leading 1000 resources is about 120 MiB; the image's
    // flags cap heap, metaspace, code cache and direct memory at 64+64+32+16 MiB.
    assertThat(c.getResources().getRequests())
        .isEqualTo(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("128Mi")));
    assertThat(c.getResources().getLimits()).isEqualTo(Map.of("memory", new Quantity("256Mi")));
  }

  @Test
  void theDefaultMemoryLimitHoldsEveryCapOfTheImagesMasterFlagsWithRoomForStacksAndTheJvm() throws IOException {
    Path options = Path.of(System.getProperty("project.basedir", ".")).resolve("image/master.jvm.options");
    Container c = MasterResources.statefulSet(demo(), SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0);
    long limitMib = c.getResources().getLimits().get("memory").getNumericalAmount().longValue() >> 20;
    long capsMib = 0;
    Pattern fixed = Pattern.compile("^-XX:(?:MaxMetaspaceSize|ReservedCodeCacheSize|MaxDirectMemorySize)=(\\d+)m$");
    Pattern heapShare = Pattern.compile("^-XX:MaxRAMPercentage=(\\d+)$");
    for (String line : Files.readAllLines(options)) {
      Matcher m = fixed.matcher(line.trim());
      if (m.matches()) {
        capsMib += Long.parseLong(m.group(1));
      }
      Matcher h = heapShare.matcher(line.trim());
      if (h.matches()) {
        // In the pod the JVM sees the container's limit as its RAM, so the heap is this share of it.
        capsMib += limitMib * Long.parseLong(h.group(1)) / 100;
      }
    }

    assertThat(capsMib).as("heap + metaspace + code cache + direct memory caps").isEqualTo(64 + 64 + 32 + 16);
    // About 40 threads' stacks, the class data sharing archive, GC and JIT structures: < 80 MiB measured.
    assertThat(limitMib - capsMib).isGreaterThanOrEqualTo(80);
  }

  @Test
  void headlessServicePublishesEveryReplicaEvenWhenNotReady() {
    Service svc = MasterResources.headlessService(demo());

    assertThat(svc.getMetadata().getName()).isEqualTo("demo-headless");
    assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(svc.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(svc.getSpec().getSelector()).isEqualTo(Map.of(
        "app.kubernetes.io/name", "crawler-master", "app.kubernetes.io/instance", "demo"));
    assertThat(svc.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(9090);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
    });
  }

  @Test
  void clientServiceSelectsOnlyTheLeaderOfThisInstance() {
    Service svc = MasterResources.clientService(demo());

    assertThat(svc.getMetadata().getName()).isEqualTo("demo");
    assertThat(svc.getSpec().getClusterIP()).isNull();
    assertThat(svc.getSpec().getPublishNotReadyAddresses()).isNull();
    assertThat(svc.getSpec().getSelector()).isEqualTo(Map.of(
        "app.kubernetes.io/name", "crawler-master",
        "app.kubernetes.io/instance", "demo",
        "crawler.dev/role", "leader"));
    assertThat(svc.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(9090));
  }

  @Test
  void everyObjectIsOwnedByTheCrawlerMasterAsController() {
    CrawlerMaster cm = demo();
    for (HasMetadata o : new HasMetadata[] {
        MasterResources.statefulSet(cm, SETTINGS), MasterResources.headlessService(cm), MasterResources.clientService(cm)}) {
      assertThat(o.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
        assertThat(ref.getApiVersion()).isEqualTo("crawler.dev/v1alpha1");
        assertThat(ref.getKind()).isEqualTo("CrawlerMaster");
        assertThat(ref.getName()).isEqualTo("demo");
        assertThat(ref.getUid()).isEqualTo("uid-1");
        assertThat(ref.getController()).isTrue();
      });
      assertThat(o.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "crawler-operator");
    }
  }

  @Test
  void etcdSecretsAreMountedAsFilesThePasswordNeverInTheEnvironmentAndTheirDigestRollsThePods() {
    CrawlerMaster cm = demo();
    cm.getSpec().getEtcd().setEndpoints(new java.util.ArrayList<>(java.util.List.of("https://[fd00::10]:2379")));
    cm.getSpec().getEtcd().setTls(new dev.crawler.api.EtcdTlsSpec());
    cm.getSpec().getEtcd().getTls().setSecretName("etcd-tls");
    cm.getSpec().getEtcd().setAuth(new dev.crawler.api.EtcdAuthSpec());
    cm.getSpec().getEtcd().getAuth().setSecretName("etcd-user");
    dev.crawler.etcd.EtcdCredentials credentials = new dev.crawler.etcd.EtcdCredentials(
        new byte[] {1}, new byte[] {2}, new byte[] {3}, "u", new byte[] {4});
    StatefulSet sts = MasterResources.statefulSet(cm, SETTINGS, new EtcdSecrets.Usable(credentials, true));

    PodSpec pod = sts.getSpec().getTemplate().getSpec();
    assertThat(sts.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry(MasterResources.ETCD_SECRETS_DIGEST, credentials.digest());
    Map<String, EnvVar> env = env(sts);
    assertThat(env.get(MasterEnv.ETCD_ENDPOINTS).getValue()).isEqualTo("https://[fd00::10]:2379");
    assertThat(env.get(MasterEnv.ETCD_CA_FILE).getValue()).isEqualTo("/etc/crawler/etcd-tls/ca.crt");
    assertThat(env.get(MasterEnv.ETCD_CERT_FILE).getValue()).isEqualTo("/etc/crawler/etcd-tls/tls.crt");
    assertThat(env.get(MasterEnv.ETCD_KEY_FILE).getValue()).isEqualTo("/etc/crawler/etcd-tls/tls.key");
    assertThat(env.get(MasterEnv.ETCD_PASSWORD_FILE).getValue()).isEqualTo("/etc/crawler/etcd-auth/password");
    assertThat(env.get(MasterEnv.ETCD_USERNAME).getValueFrom().getSecretKeyRef().getName()).isEqualTo("etcd-user");
    assertThat(env.values()).noneMatch(v -> v.getValueFrom() != null && v.getValueFrom().getSecretKeyRef() != null
        && "password".equals(v.getValueFrom().getSecretKeyRef().getKey()));
    assertThat(pod.getVolumes()).filteredOn(v -> v.getSecret() != null).hasSize(2).anySatisfy(v -> {
      assertThat(v.getSecret().getSecretName()).isEqualTo("etcd-tls");
      assertThat(v.getSecret().getDefaultMode()).isEqualTo(0440);
    });
    assertThat(pod.getVolumes()).filteredOn(v -> v.getSecret() != null).anySatisfy(v -> {
      assertThat(v.getSecret().getSecretName()).isEqualTo("etcd-user");
      assertThat(v.getSecret().getItems()).singleElement().satisfies(i -> assertThat(i.getKey()).isEqualTo("password"));
    });
    assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(65532L);
    assertThat(pod.getContainers().get(0).getVolumeMounts()).extracting(m -> m.getMountPath())
        .contains("/etc/crawler/etcd-tls", "/etc/crawler/etcd-auth");

    // Without Secrets the pod template is as before: no digest, no volumes beyond /tmp.
    StatefulSet plain = MasterResources.statefulSet(demo(), SETTINGS);
    assertThat(plain.getSpec().getTemplate().getMetadata().getAnnotations()).doesNotContainKey(MasterResources.ETCD_SECRETS_DIGEST);
    assertThat(plain.getSpec().getTemplate().getSpec().getVolumes()).singleElement()
        .satisfies(v -> assertThat(v.getName()).isEqualTo("tmp"));
    assertThat(plain.getSpec().getTemplate().getSpec().getSecurityContext().getFsGroup()).isNull();
  }
}
