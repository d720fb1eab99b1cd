package dev.crawler.operator.resources;

import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.operator.etcd.EtcdSecrets;
import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterSpec;
import dev.crawler.api.ElectionSpec;
import dev.crawler.api.EtcdAuthSpec;
import dev.crawler.api.EtcdSpec;
import dev.crawler.api.EtcdTlsSpec;
import dev.crawler.api.MasterEnv;
import dev.crawler.api.MasterPaths;
import dev.crawler.support.LogLevel;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pure builders of the objects the operator keeps for one CrawlerMaster: the StatefulSet of master
 * replicas, the headless Service that gives each replica a stable DNS name, and the client Service
 * that routes only to the leader.
 */
public final class MasterResources {
  private MasterResources() {}

  public static final String LABEL_NAME = "app.kubernetes.io/name";
  public static final String LABEL_INSTANCE = "app.kubernetes.io/instance";
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String APP_NAME = "crawler-master";
  public static final String MANAGER = "crawler-operator";
  /** Selects the objects this operator manages; its informers cache only these. */
  public static final String MANAGED_SELECTOR = LABEL_MANAGED_BY + "=" + MANAGER;

  /**
   * Selects the master pods of every CrawlerMaster (their template labels); a pod's instance label
   * tells which CrawlerMaster it belongs to.
   */
  public static final String PODS_SELECTOR =
      LABEL_NAME + "=" + APP_NAME + "," + LABEL_MANAGED_BY + "=" + MANAGER;

  public static final String CONTAINER_NAME = "master";
  public static final String PORT_NAME = "http";
  public static final String PROBE_PORT_NAME = "probes";

  /** Non-root uid/gid of the distroless "nonroot" convention; the image needs no particular user. */
  static final long RUN_AS_USER = 65532L;
  /**
   * A leader resigns in milliseconds (etcd answers within one round trip); the rest of the grace
   * period lets in-flight requests finish. When etcd is unreachable no resign can succeed and the
   * lease expires on its own, so the grace period need not cover the lease TTL.
   */
  static final long TERMINATION_GRACE_SECONDS = 30L;

  public static String headlessServiceName(CrawlerMaster cm) {
    return cm.getMetadata().getName() + "-headless";
  }

  public static String clientServiceName(CrawlerMaster cm) {
    return cm.getMetadata().getName();
  }

  public static String statefulSetName(CrawlerMaster cm) {
    return cm.getMetadata().getName();
  }

  /** Labels that identify one instance's pods; immutable in the StatefulSet selector. */
  public static Map<String, String> selectorLabels(CrawlerMaster cm) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_NAME, APP_NAME);
    labels.put(LABEL_INSTANCE, cm.getMetadata().getName());
    return labels;
  }

  public static Map<String, String> labels(CrawlerMaster cm) {
    Map<String, String> labels = selectorLabels(cm);
    labels.put(LABEL_MANAGED_BY, MANAGER);
    return labels;
  }

  /** Where a master finds the TLS Secret's files and the auth Secret's password. */
  static final String TLS_DIR = "/etc/crawler/etcd-tls";
  static final String AUTH_DIR = "/etc/crawler/etcd-auth";
  static final String TLS_VOLUME = "etcd-tls";
  static final String AUTH_VOLUME = "etcd-auth";
  /**
   * The pod template annotation with the digest of the etcd Secrets' content: a changed Secret
   * changes the template (a new update revision of the {@code OnDelete} StatefulSet), and the
   * operator's {@link RolloutPlan} replaces the masters one at a time with one leader change.
   */
  public static final String ETCD_SECRETS_DIGEST = "crawler.dev/etcd-secrets-sha256";

  public static StatefulSet statefulSet(CrawlerMaster cm, OperatorSettings settings) {
    return statefulSet(cm, settings, new EtcdSecrets.Usable(dev.crawler.etcd.EtcdCredentials.NONE, false));
  }

  /** @param access the CrawlerMaster's etcd Secrets, checked by {@link EtcdSecrets#decide} */
  public static StatefulSet statefulSet(CrawlerMaster cm, OperatorSettings settings, EtcdSecrets.Usable access) {
    CrawlerMasterSpec spec = cm.getSpec();
    Map<String, String> annotations = scrapeAnnotations(spec);
    access.digest().ifPresent(d -> annotations.put(ETCD_SECRETS_DIGEST, d));
    StatefulSet sts = new StatefulSetBuilder()
        .withMetadata(metadata(cm, statefulSetName(cm)))
        .withNewSpec()
        .withReplicas(replicas(spec))
        .withServiceName(headlessServiceName(cm))
        .withPodManagementPolicy("Parallel")
        // The operator replaces pods itself (RolloutPlan): followers first, then one switchover.
        .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
        .withNewSelector()
        .withMatchLabels(selectorLabels(cm))
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(MasterPlacement.podLabels(cm, labels(cm)))
        .withAnnotations(MasterPlacement.podAnnotations(cm, annotations))
        .endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(TERMINATION_GRACE_SECONDS)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(RUN_AS_USER)
        .withRunAsGroup(RUN_AS_USER)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withContainers(container(cm, settings, access))
        .addNewVolume()
        .withName("tmp")
        .withNewEmptyDir()
        .endEmptyDir()
        .endVolume()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
    addSecretVolumes(cm, sts.getSpec().getTemplate().getSpec());
    MasterPlacement.apply(cm, sts.getSpec().getTemplate().getSpec());
    return sts;
  }

  /**
   * The TLS Secret whole, the auth Secret's password only (the user name comes as an env
   * reference). Readable by the master's group only (0440, fsGroup), not by every user in the pod.
   */
  static void addSecretVolumes(CrawlerMaster cm, PodSpec pod) {
    EtcdSpec etcd = cm.getSpec().getEtcd();
    if (etcd.getTls() == null && etcd.getAuth() == null) {
      return;
    }
    pod.getSecurityContext().setFsGroup(RUN_AS_USER);
    if (etcd.getTls() != null) {
      pod.getVolumes().add(new VolumeBuilder().withName(TLS_VOLUME).withNewSecret()
          .withSecretName(etcd.getTls().getSecretName()).withDefaultMode(0440).endSecret().build());
    }
    if (etcd.getAuth() != null) {
      pod.getVolumes().add(new VolumeBuilder().withName(AUTH_VOLUME).withNewSecret()
          .withSecretName(etcd.getAuth().getSecretName()).withDefaultMode(0440)
          .addNewItem().withKey(EtcdAuthSpec.PASSWORD_KEY).withPath(EtcdAuthSpec.PASSWORD_KEY).endItem()
          .endSecret().build());
    }
  }

  /**
   * The {@code prometheus.io/*} annotations that Prometheus' conventional Kubernetes pod scrape
   * configuration reads: every replica (leader or not) is scraped on its probe port.
   */
  static Map<String, String> scrapeAnnotations(CrawlerMasterSpec spec) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("prometheus.io/scrape", "true");
    annotations.put("prometheus.io/port", String.valueOf(MasterPaths.probePort(port(spec))));
    annotations.put("prometheus.io/path", MasterPaths.METRICS);
    return annotations;
  }

  /** The PodDisruptionBudget over the masters has the CrawlerMaster's name. */
  public static String podDisruptionBudgetName(CrawlerMaster cm) {
    return cm.getMetadata().getName();
  }

  /**
   * One master at a time may be evicted (a drain takes them one by one, each handing leadership
   * over by resigning on SIGTERM); a master that is not Ready may always be evicted
   * ({@code AlwaysAllow}): it serves nothing, and a one-replica cluster whose only pod is unready
   * must not block a drain for ever.
   */
  public static PodDisruptionBudget podDisruptionBudget(CrawlerMaster cm) {
    return new PodDisruptionBudgetBuilder()
        .withMetadata(metadata(cm, podDisruptionBudgetName(cm)))
        .withNewSpec()
        .withMaxUnavailable(new IntOrString(1))
        .withNewSelector()
        .withMatchLabels(selectorLabels(cm))
        .endSelector()
        .withUnhealthyPodEvictionPolicy("AlwaysAllow")
        .endSpec()
        .build();
  }

  /** Gives every replica a DNS name; lists unready pods too so replicas can find each other while starting. */
  public static Service headlessService(CrawlerMaster cm) {
    return new ServiceBuilder()
        .withMetadata(metadata(cm, headlessServiceName(cm)))
        .withNewSpec()
        .withClusterIP("None")
        .withPublishNotReadyAddresses(true)
        .withSelector(selectorLabels(cm))
        .withPorts(servicePort(cm))
        .endSpec()
        .build();
  }

  /** Routes clients to the leader only: the pod the operator labels {@code crawler.dev/role=leader}. */
  public static Service clientService(CrawlerMaster cm) {
    Map<String, String> selector = selectorLabels(cm);
    selector.put(RoleLabels.ROLE_LABEL, RoleLabels.LEADER);
    return new ServiceBuilder()
        .withMetadata(metadata(cm, clientServiceName(cm)))
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(selector)
        .withPorts(servicePort(cm))
        .endSpec()
        .build();
  }

  private static ServicePort servicePort(CrawlerMaster cm) {
    return new ServicePortBuilder()
        .withName(PORT_NAME)
        .withProtocol("TCP")
        .withPort(port(cm.getSpec()))
        .withTargetPort(new IntOrString(PORT_NAME))
        .build();
  }

  static Container container(CrawlerMaster cm, OperatorSettings settings) {
    return container(cm, settings, new EtcdSecrets.Usable(dev.crawler.etcd.EtcdCredentials.NONE, false));
  }

  static Container container(CrawlerMaster cm, OperatorSettings settings, EtcdSecrets.Usable access) {
    CrawlerMasterSpec spec = cm.getSpec();
    int port = port(spec);
    List<EnvVar> env = new ArrayList<>(env(cm));
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
    addEtcdAccess(cm, access, env, mounts);
    return new ContainerBuilder()
        .withName(CONTAINER_NAME)
        .withImage(spec.getImage() == null || spec.getImage().isBlank() ? settings.masterImage() : spec.getImage())
        .withImagePullPolicy("IfNotPresent")
        .withArgs("master")
        .addNewPort()
        .withName(PORT_NAME)
        .withContainerPort(port)
        .withProtocol("TCP")
        .endPort()
        .addNewPort()
        .withName(PROBE_PORT_NAME)
        .withContainerPort(MasterPaths.probePort(port))
        .withProtocol("TCP")
        .endPort()
        .withEnv(env)
        .withResources(resources(spec))
        // /healthz fails for good once leader work stalled (LeaderWatchdog, after max(TTL, 5 s)):
        // restarted 20-30 s later. A healthy replica is only restarted after not answering for
        // about 22 s (3 failures 10 s apart, 2 s timeout); pauses shorter than that are survived.
        .withLivenessProbe(httpProbe(MasterPaths.HEALTHZ, 10, 3))
        .withReadinessProbe(httpProbe(MasterPaths.READYZ, 5, 2))
        .withNewSecurityContext()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .endSecurityContext()
        .withVolumeMounts(mounts)
        .build();
  }

  /**
   * The etcd material of a pod of this cluster (masters and workers alike): the TLS files and the
   * password file as mounts, their paths and the user name as environment variables.
   */
  static void addEtcdAccess(CrawlerMaster cm, EtcdSecrets.Usable access, List<EnvVar> env, List<VolumeMount> mounts) {
    EtcdSpec etcd = cm.getSpec().getEtcd();
    if (etcd.getTls() != null) {
      mounts.add(new VolumeMountBuilder().withName(TLS_VOLUME).withMountPath(TLS_DIR).withReadOnly(true).build());
      env.add(value(MasterEnv.ETCD_CA_FILE, TLS_DIR + "/" + EtcdTlsSpec.CA_KEY));
      if (access.clientCertificate()) {
        env.add(value(MasterEnv.ETCD_CERT_FILE, TLS_DIR + "/" + EtcdTlsSpec.CERT_KEY));
        env.add(value(MasterEnv.ETCD_KEY_FILE, TLS_DIR + "/" + EtcdTlsSpec.KEY_KEY));
      }
    }
    if (etcd.getAuth() != null) {
      mounts.add(new VolumeMountBuilder().withName(AUTH_VOLUME).withMountPath(AUTH_DIR).withReadOnly(true).build());
      env.add(new EnvVarBuilder().withName(MasterEnv.ETCD_USERNAME).withNewValueFrom().withNewSecretKeyRef()
          .withName(etcd.getAuth().getSecretName()).withKey(EtcdAuthSpec.USERNAME_KEY).endSecretKeyRef()
          .endValueFrom().build());
      env.add(value(MasterEnv.ETCD_PASSWORD_FILE, AUTH_DIR + "/" + EtcdAuthSpec.PASSWORD_KEY));
    }
  }

  /**
   * The advertise address is POD_IP-based rather than the pod's DNS name under the headless
   * Service: a follower forwards to the leader right after a failover, when the new leader's DNS
   * record may not have propagated yet or a negative answer may still be cached, whereas the IP
   * works at once. Stability of the name is not needed: each replica publishes its address anew
   * whenever it campaigns. Order matters: POD_IP is defined before the variable that refers to it.
   * Followers forward only to an IP of the headless Service ({@link MasterEnv#PEER_SERVICE}).
   */
  static List<EnvVar> env(CrawlerMaster cm) {
    CrawlerMasterSpec spec = cm.getSpec();
    int port = port(spec);
    List<EnvVar> env = new ArrayList<>(List.of(
        fieldRef(MasterEnv.POD_NAME, "metadata.name"),
        fieldRef(MasterEnv.POD_IP, "status.podIP"),
        fieldRef(MasterEnv.POD_NAMESPACE, "metadata.namespace"),
        value(MasterEnv.ETCD_ENDPOINTS, String.join(",", spec.getEtcd().getEndpoints())),
        value(MasterEnv.KEY_PREFIX, cm.keyLayout().prefix()),
        value(MasterEnv.LEASE_TTL_SECONDS, Integer.toString(leaseTtlSeconds(spec))),
        value(MasterEnv.PORT, Integer.toString(port)),
        value(MasterEnv.ADVERTISE_ADDRESS, "$(" + MasterEnv.POD_IP + "):" + port),
        value(MasterEnv.PROBE_PORT, Integer.toString(MasterPaths.probePort(port))),
        value(MasterEnv.PEER_SERVICE, headlessServiceName(cm) + "." + cm.getMetadata().getNamespace() + ".svc")));
    logLevel(spec).ifPresent(env::add);
    return List.copyOf(env);
  }

  /** {@code CRAWLER_LOG_LEVEL} from spec.logLevel, for masters and workers; none when unset (info). */
  static Optional<EnvVar> logLevel(CrawlerMasterSpec spec) {
    return Optional.ofNullable(spec.getLogLevel())
        .map(level -> value(LogLevel.ENV, level.name()));
  }

  /**
   * Without {@code spec.resources}: the figures of docs/benchmarks.md ("Footprint"). A replica
   * leading 1000 resources over 20 workers measured about 103 MiB RSS, a follower about 90 MiB:
   * the request (128Mi) holds that with some room; the limit leaves
   * room for the image's caps all reached at once (heap 64, metaspace 64, code cache 32, direct
   * buffers 16 MiB) plus thread stacks and the JVM itself. No CPU limit: a starting JVM is
   * CPU-bound for a second, and throttling it would delay the campaign.
   */
  static ResourceRequirements resources(CrawlerMasterSpec spec) {
    if (spec.getResources() != null) {
      return spec.getResources();
    }
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("100m"))
        .addToRequests("memory", new Quantity("128Mi"))
        .addToLimits("memory", new Quantity("256Mi"))
        .build();
  }

  public static int replicas(CrawlerMasterSpec spec) {
    return spec.getReplicas() == null ? CrawlerMasterSpec.DEFAULT_REPLICAS : spec.getReplicas();
  }

  public static int port(CrawlerMasterSpec spec) {
    return spec.getPort() == null ? CrawlerMasterSpec.DEFAULT_PORT : spec.getPort();
  }

  static int leaseTtlSeconds(CrawlerMasterSpec spec) {
    ElectionSpec election = spec.getElection();
    return election == null || election.getLeaseTTLSeconds() == null
        ? ElectionSpec.DEFAULT_LEASE_TTL_SECONDS
        : election.getLeaseTTLSeconds();
  }

  static Probe httpProbe(String path, int periodSeconds, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withPort(new IntOrString(PROBE_PORT_NAME))
        .withScheme("HTTP")
        .endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withTimeoutSeconds(2)
        .withFailureThreshold(failureThreshold)
        .build();
  }

  static EnvVar fieldRef(String name, String fieldPath) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewFieldRef()
        .withApiVersion("v1")
        .withFieldPath(fieldPath)
        .endFieldRef()
        .endValueFrom()
        .build();
  }

  static EnvVar value(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  private static ObjectMeta metadata(CrawlerMaster cm, String name) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(cm.getMetadata().getNamespace())
        .withLabels(labels(cm))
        .withOwnerReferences(ownerReference(cm))
        .build();
  }

  static OwnerReference ownerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .build();
  }
}
