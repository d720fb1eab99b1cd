package dev.crawler.operator.resources;

import dev.crawler.operator.etcd.EtcdSecrets;
import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.MasterEnv;
import dev.crawler.api.MasterPaths;
import dev.crawler.api.WorkerEnv;
import dev.crawler.api.WorkersSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure builder of the workers' Deployment of one CrawlerMaster ({@code spec.workers}).
 *
 * <p>A Deployment, not a StatefulSet: a worker's id is its pod name, and what a worker holds is
 * decided by its etcd lease, not by its identity. A replaced pod registers under a new id; the
 * old id's lease expires (or was revoked on SIGTERM) and the leader moves its resources, which
 * the next worker resumes from their progress. Stable ids would buy nothing and cost ordered,
 * one-at-a-time pod replacement.
 *
 * <p>The pods carry {@code app.kubernetes.io/name=crawler-worker}: no selector of the masters
 * (StatefulSet, Services, the pod informer, role labels, rollouts) matches them.
 */
public final class WorkerResources {
  private WorkerResources() {}

  public static final String APP_NAME = "crawler-worker";
  public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
  public static final String COMPONENT = "worker";
  public static final String CONTAINER_NAME = "worker";
  /** Where the pages' JSON lines go, on an emptyDir (and to the container's stdout). */
  public static final String OUTPUT_DIR = "/var/lib/crawler/pages";
  static final int PORT = 8080;

  public static String deploymentName(CrawlerMaster cm) {
    return cm.getMetadata().getName() + "-workers";
  }

  public static Map<String, String> selectorLabels(CrawlerMaster cm) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MasterResources.LABEL_NAME, APP_NAME);
    labels.put(MasterResources.LABEL_INSTANCE, cm.getMetadata().getName());
    labels.put(LABEL_COMPONENT, COMPONENT);
    return labels;
  }

  static Map<String, String> labels(CrawlerMaster cm) {
    Map<String, String> labels = selectorLabels(cm);
    labels.put(MasterResources.LABEL_MANAGED_BY, MasterResources.MANAGER);
    return labels;
  }

  /** @param access the CrawlerMaster's etcd Secrets, checked by {@link EtcdSecrets#decide} */
  public static Deployment deployment(CrawlerMaster cm, OperatorSettings settings, EtcdSecrets.Usable access) {
    WorkersSpec spec = cm.getSpec().getWorkers();
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("prometheus.io/scrape", "true");
    annotations.put("prometheus.io/port", String.valueOf(PORT));
    annotations.put("prometheus.io/path", MasterPaths.METRICS);
    access.digest().ifPresent(d -> annotations.put(MasterResources.ETCD_SECRETS_DIGEST, d));
    Deployment d = new DeploymentBuilder()
        .withMetadata(new ObjectMetaBuilder()
            .withName(deploymentName(cm))
            .withNamespace(cm.getMetadata().getNamespace())
            .withLabels(labels(cm))
            .withOwnerReferences(MasterResources.ownerReference(cm))
            .build())
        .withNewSpec()
        .withReplicas(spec.getReplicas() == null ? WorkersSpec.DEFAULT_REPLICAS : spec.getReplicas())
        .withNewSelector().withMatchLabels(selectorLabels(cm)).endSelector()
        // A surge pod registers before an old one leaves; the old one revokes its lease on SIGTERM.
        .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
        .withNewMaxSurge(1).withNewMaxUnavailable(0).endRollingUpdate().endStrategy()
        .withNewTemplate()
        .withNewMetadata().withLabels(labels(cm)).withAnnotations(annotations).endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(30L)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(MasterResources.RUN_AS_USER)
        .withRunAsGroup(MasterResources.RUN_AS_USER)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .endSecurityContext()
        .withContainers(container(cm, settings, access))
        .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
        .addNewVolume().withName("pages").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
    MasterResources.addSecretVolumes(cm, d.getSpec().getTemplate().getSpec());
    // Workers run the same image as the masters, so they pull it with the same secrets.
    List<LocalObjectReference> pullSecrets = cm.getSpec().getImagePullSecrets();
    d.getSpec().getTemplate().getSpec().setImagePullSecrets(
        pullSecrets == null || pullSecrets.isEmpty() ? null : pullSecrets);
    return d;
  }

  static Container container(CrawlerMaster cm, OperatorSettings settings, EtcdSecrets.Usable access) {
    WorkersSpec spec = cm.getSpec().getWorkers();
    List<EnvVar> env = new ArrayList<>(List.of(
        MasterResources.fieldRef(MasterEnv.POD_NAME, "metadata.name"),
        MasterResources.fieldRef(MasterEnv.POD_IP, "status.podIP"),
        MasterResources.fieldRef(MasterEnv.POD_NAMESPACE, "metadata.namespace"),
        MasterResources.value(MasterEnv.ETCD_ENDPOINTS, String.join(",", cm.getSpec().getEtcd().getEndpoints())),
        MasterResources.value(MasterEnv.KEY_PREFIX, cm.keyLayout().prefix()),
        MasterResources.value(WorkerEnv.LEASE_TTL_SECONDS, String.valueOf(orDefault(spec.getLeaseTTLSeconds(),
            WorkersSpec.DEFAULT_LEASE_TTL_SECONDS))),
        MasterResources.value(WorkerEnv.PORT, String.valueOf(PORT)),
        MasterResources.value(MasterEnv.ADVERTISE_ADDRESS, "$(" + MasterEnv.POD_IP + "):" + PORT),
        MasterResources.value(WorkerEnv.CRAWL_DELAY_MILLIS, String.valueOf(orDefault(spec.getCrawlDelayMillis(),
            WorkersSpec.DEFAULT_CRAWL_DELAY_MILLIS))),
        MasterResources.value(WorkerEnv.MAX_CONCURRENT_RESOURCES, String.valueOf(orDefault(
            spec.getMaxConcurrentResources(), WorkersSpec.DEFAULT_MAX_CONCURRENT_RESOURCES))),
        MasterResources.value(MasterEnv.ALLOW_PRIVATE_TARGETS, String.valueOf(Boolean.TRUE.equals(
            spec.getAllowPrivateTargets()))),
        MasterResources.value(WorkerEnv.OUTPUT_DIR, OUTPUT_DIR)));
    MasterResources.logLevel(cm.getSpec()).ifPresent(env::add);
    List<VolumeMount> mounts = new ArrayList<>(List.of(
        new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build(),
        new VolumeMountBuilder().withName("pages").withMountPath(OUTPUT_DIR).build()));
    MasterResources.addEtcdAccess(cm, access, env, mounts);
    String image = spec.getImage() != null && !spec.getImage().isBlank() ? spec.getImage()
        : cm.getSpec().getImage() != null && !cm.getSpec().getImage().isBlank() ? cm.getSpec().getImage()
        : settings.masterImage();
    return new ContainerBuilder()
        .withName(CONTAINER_NAME)
        .withImage(image)
        .withImagePullPolicy("IfNotPresent")
        .withArgs("worker")
        .addNewPort().withName(MasterResources.PROBE_PORT_NAME).withContainerPort(PORT).withProtocol("TCP").endPort()
        .withEnv(env)
        .withResources(resources(spec))
        .withLivenessProbe(MasterResources.httpProbe(MasterPaths.HEALTHZ, 10, 3))
        .withReadinessProbe(MasterResources.httpProbe(MasterPaths.READYZ, 5, 2))
        .withNewSecurityContext()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .endSecurityContext()
        .withVolumeMounts(mounts)
        .build();
  }

  /** Without {@code spec.workers.resources}: a worker holds at most a few 2 MiB bodies at once, like a master's footprint. */
  static ResourceRequirements resources(WorkersSpec spec) {
    if (spec.getResources() != null) {
      return spec.getResources();
    }
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("100m"))
        .addToRequests("memory", new Quantity("128Mi"))
        .addToLimits("memory", new Quantity("256Mi"))
        .build();
  }

  private static int orDefault(Integer v, int dflt) {
    return v == null ? dflt : v;
  }
}
