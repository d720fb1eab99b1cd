package dev.crawler.operator;

import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.api.KeyLayout;
import dev.crawler.api.MasterEnv;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description = "Run the CrawlerMaster operator: keeps a StatefulSet and Services for each CrawlerMaster.")
public final class OperatorCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(OperatorCommand.class);

  @Option(
      names = "--master-image",
      defaultValue = "${env:CRAWLER_MASTER_IMAGE:-" + OperatorSettings.DEFAULT_MASTER_IMAGE + "}",
      description = "Image of master replicas whose CrawlerMaster names none (env CRAWLER_MASTER_IMAGE; default: ${DEFAULT-VALUE}).")
  String masterImage;

  @Option(
      names = "--namespace",
      split = ",",
      description = "Namespace(s) to watch, repeatable or comma-separated (env CRAWLER_WATCH_NAMESPACES). Default: all namespaces.",
      defaultValue = "${env:CRAWLER_WATCH_NAMESPACES}")
  List<String> namespaces;

  @Option(
      names = "--health-port",
      defaultValue = "8081",
      description = "Port of the /healthz, /readyz and /metrics endpoints (default: ${DEFAULT-VALUE}).")
  int healthPort;

  @Option(
      names = "--leader-election",
      defaultValue = "false",
      description = "Run as one of several replicas: only the holder of the Lease '"
          + OperatorLeaderElection.LEASE_NAME + "' reconciles (default: ${DEFAULT-VALUE}). Needs POD_NAME"
          + " (this replica's identity) and a lease namespace.")
  boolean leaderElection;

  @Option(
      names = "--lease-namespace",
      defaultValue = "${env:POD_NAMESPACE}",
      description = "Namespace of the leader-election Lease (env POD_NAMESPACE; the operator's own namespace).")
  String leaseNamespace;

  @Option(
      names = "--revoke-dead-leader",
      arity = "1",
      paramLabel = "true|false",
      defaultValue = "${env:CRAWLER_REVOKE_DEAD_LEADER:-true}",
      description = "Revoke the etcd lease of a leader whose pod shows its master container terminated or"
          + " restarted since it took over, or is gone, and record a LeaderRevoked Event"
          + " (env CRAWLER_REVOKE_DEAD_LEADER; default: ${DEFAULT-VALUE}).")
  boolean revokeDeadLeader;

  @Option(
      names = "--key-prefix-root",
      defaultValue = "${env:CRAWLER_KEY_PREFIX_ROOT:-" + KeyLayout.TENANT_ROOT + "}",
      description = "Each CrawlerMaster's spec.etcd.keyPrefix must lie under <root>/<its namespace>/, so tenants"
          + " sharing an etcd cannot reach each other's state; 'none' allows any prefix (single-tenant installs;"
          + " also drop the admission policy from crds/). Env CRAWLER_KEY_PREFIX_ROOT; default: ${DEFAULT-VALUE}.")
  String keyPrefixRoot;

  Optional<String> keyPrefixRoot() {
    if (keyPrefixRoot == null || keyPrefixRoot.isBlank() || keyPrefixRoot.equals("none")) {
      return Optional.empty();
    }
    try {
      return Optional.of(new KeyLayout(keyPrefixRoot.trim()).prefix());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "invalid --key-prefix-root '" + keyPrefixRoot + "': " + e.getMessage() + ", or 'none'");
    }
  }

  @Override
  public Integer call() throws Exception {
    OperatorSettings settings = new OperatorSettings(masterImage,
        namespaces == null ? Set.of() : new LinkedHashSet<>(namespaces), revokeDeadLeader, keyPrefixRoot());
    OperatorLeaderElection election = leaderElection
        ? new OperatorLeaderElection(leaseNamespace, identity(), System::exit)
        : null;
    KubernetesClient client = new KubernetesClientBuilder().build();
    OperatorMetrics metrics = new OperatorMetrics();
    Operator operator = CrawlerOperator.create(client, CrawlerOperator.Options.of(settings)
        .withMetrics(metrics)
        .withOverrides(overrider -> {
          if (election != null) {
            overrider.withLeaderElectionConfiguration(election.configuration());
          }
          // The shutdown hook releases the Lease with this client after stopping the operator.
          overrider.withCloseClientOnStop(false);
        }));
    HealthServer health = HealthServer.start(healthPort, operator.getRuntimeInfo(), metrics);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        if (election != null) {
          election.shuttingDown();
        }
        operator.stop();
        if (election != null) {
          election.release(client);
        }
        client.close();
      } finally {
        health.close();
        stopped.countDown();
      }
    }, "operator-shutdown"));
    log.info("Starting CrawlerMaster operator: master image {}, namespaces {}, health port {}, revoke dead leader {},"
            + " leader election {}",
        settings.masterImage(), settings.namespaces().isEmpty() ? "all" : settings.namespaces(), health.port(),
        settings.revokeDeadLeader(),
        election == null ? "off" : "Lease " + election.namespace() + "/" + OperatorLeaderElection.LEASE_NAME
            + " as " + election.identity());
    operator.start();
    stopped.await();
    return 0;
  }

  /** The pod name (downward API), else the host name, which is the pod name in a pod too. */
  private static String identity() {
    String pod = System.getenv(MasterEnv.POD_NAME);
    return pod != null && !pod.isBlank() ? pod : System.getenv("HOSTNAME");
  }
}
