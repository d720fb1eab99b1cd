package dev.crawler.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.util.Objects;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election between operator replicas through JOSDK (a Lease, held by one replica; the
 * others start their informers but process no events until they acquire it).
 *
 * <p>Two things JOSDK does not do for us. (1) A replica that loses the Lease while running must
 * stop reconciling; fabric8's elector never re-acquires after a loss, so the process exits and the
 * Deployment restarts it as a standby. JOSDK's own exit-on-stop-leading would also run on a normal
 * shutdown (cancelling the elector reports a stop) and call {@code System.exit} from inside the
 * shutdown hook, which blocks forever; so exiting is ours, and skipped while shutting down. (2)
 * JOSDK does not release the Lease on shutdown (releaseOnCancel is off), so a standby would wait
 * for the whole lease duration: {@link #release} hands it over once event processing has stopped.
 */
public final class OperatorLeaderElection {
  private static final Logger log = LoggerFactory.getLogger(OperatorLeaderElection.class);

  public static final String LEASE_NAME = "crawler-operator";

  private final String namespace;
  private final String identity;
  private final IntConsumer exit;
  private volatile boolean leading;
  private volatile boolean shuttingDown;

  /**
   * @param namespace where the Lease lives (the operator's own namespace)
   * @param identity this replica's name in the Lease's holderIdentity (its pod name)
   * @param exit how to end the process after losing the Lease ({@code System::exit})
   */
  public OperatorLeaderElection(String namespace, String identity, IntConsumer exit) {
    this.namespace = requireText(namespace, "lease namespace (set POD_NAMESPACE or --lease-namespace)");
    this.identity = requireText(identity, "identity (set POD_NAME)");
    this.exit = exit;
  }

  public String namespace() {
    return namespace;
  }

  public String identity() {
    return identity;
  }

  public LeaderElectionConfiguration configuration() {
    return new LeaderElectionConfiguration(
        LEASE_NAME,
        namespace,
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        identity,
        new LeaderCallbacks(this::startedLeading, this::stoppedLeading, this::newLeader),
        false);
  }

  private void startedLeading() {
    leading = true;
    log.info("{} holds Lease {}/{}: reconciling", identity, namespace, LEASE_NAME);
  }

  private void stoppedLeading() {
    boolean wasLeading = leading;
    leading = false;
    if (shuttingDown || !wasLeading) {
      return;
    }
    log.error("{} lost Lease {}/{}; exiting so that a restart joins as a standby", identity, namespace, LEASE_NAME);
    // Not on the elector's thread: exit runs shutdown hooks, which stop the elector.
    new Thread(() -> exit.accept(1), "lease-lost-exit").start();
  }

  private void newLeader(String leader) {
    if (leader != null && !leader.isBlank() && !identity.equals(leader)) {
      log.info("operator leader is {}; {} stands by", leader, identity);
    }
  }

  /** Call before stopping the operator: losing the Lease from now on is expected. */
  public void shuttingDown() {
    shuttingDown = true;
  }

  /**
   * Gives up the Lease if this replica still holds it, the way fabric8's elector releases it:
   * no holder and a 1 s duration, so a standby acquires it at its next retry. Call only after
   * the operator stopped processing events. Best effort: on failure the Lease simply expires.
   */
  public void release(KubernetesClient client) {
    try {
      Lease lease = client.resources(Lease.class).inNamespace(namespace).withName(LEASE_NAME).get();
      if (lease == null || lease.getSpec() == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      client.resources(Lease.class).inNamespace(namespace).withName(LEASE_NAME).edit(l -> {
        l.getSpec().setHolderIdentity(null);
        l.getSpec().setLeaseDurationSeconds(1);
        return l;
      });
      log.info("{} released Lease {}/{}", identity, namespace, LEASE_NAME);
    } catch (KubernetesClientException e) {
      log.warn("could not release Lease {}/{} ({}); a standby takes over when it expires",
          namespace, LEASE_NAME, e.getMessage());
    }
  }

  private static String requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("leader election needs a " + what);
    }
    return Objects.requireNonNull(value);
  }
}
