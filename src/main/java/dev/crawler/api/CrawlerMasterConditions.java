package dev.crawler.api;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;
import java.util.Optional;

/**
 * The words of a CrawlerMaster's status: its condition types, their reasons, and the reasons of the
 * Events that report their changes. Every Event reason of a status change is also a condition type
 * or reason, so an Event and the condition it reports read the same; {@link #LEADER_REVOKED}
 * reports an action of the operator, not a condition.
 */
public final class CrawlerMasterConditions {
  private CrawlerMasterConditions() {}

  // Condition types.
  /** Replicas ready and one of this cluster's pods elected leader. */
  public static final String READY = "Ready";
  /** One of this cluster's pods leads the election in etcd. Also the reason of the Normal Event of a new leader. */
  public static final String LEADER_ELECTED = "LeaderElected";
  /** The operator can read the election in etcd. */
  public static final String ETCD_REACHABLE = "EtcdReachable";
  /**
   * The outcome of the last switchover asked for with {@link CrawlerMaster#SWITCHOVER_TO_ANNOTATION}:
   * True/{@link #SWITCHOVER_SUCCEEDED} or False/{@link #SWITCHOVER_FAILED}; absent until the first.
   */
  public static final String SWITCHOVER = "Switchover";
  /**
   * Whether every replica runs the current pod template: True/{@link #ALL_REPLICAS_UPDATED}, or
   * False/{@link #UPDATING} while the operator updates them (followers, one switchover, the old leader).
   */
  public static final String UPDATED = "Updated";

  // Condition statuses.
  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  // Reasons of Ready.
  /** Ready=True: every replica is ready and one of them leads. */
  public static final String REPLICAS_READY_AND_LEADER_ELECTED = "ReplicasReadyAndLeaderElected";
  /** Ready=False: fewer replicas exist or are ready than the spec asks for. */
  public static final String REPLICAS_NOT_READY = "ReplicasNotReady";
  /** Ready=False: the spec cannot be acted on; also a Warning Event, once per distinct problem. */
  public static final String INVALID_SPEC = "InvalidSpec";
  /** Ready=False: applying the dependents failed; JOSDK retries. */
  public static final String RECONCILE_ERROR = "ReconcileError";

  // Reasons of LeaderElected (Ready=False carries the same reason when it is why Ready is false).
  /** LeaderElected=True: one of this cluster's pods leads. */
  public static final String ELECTED = "Elected";
  /** LeaderElected=False: nobody holds the election. Also a Warning Event when a leader goes. */
  public static final String NO_LEADER = "NoLeader";
  /**
   * LeaderElected=False: the leader is not one of this cluster's pods, or its value is not ours.
   * Also a Warning Event.
   */
  public static final String UNKNOWN_LEADER = "UnknownLeader";
  /** LeaderElected=False: etcd cannot be read, so the leader is not known. Also a Warning Event. */
  public static final String ETCD_UNREACHABLE = "EtcdUnreachable";

  // Reasons of EtcdReachable. Each False reason is also the Warning Event of its change.
  public static final String REACHABLE = "Reachable";
  /** etcd did not answer (refused, timed out, unknown host). */
  public static final String UNREACHABLE = "Unreachable";
  /** The Secret named by spec.etcd.tls or spec.etcd.auth does not exist in the CR's namespace. */
  public static final String SECRET_NOT_FOUND = "SecretNotFound";
  /** The Secret lacks a key it needs (ca.crt; tls.crt with tls.key; username; password). */
  public static final String SECRET_KEY_MISSING = "SecretKeyMissing";
  /** A certificate or key in the Secret is not readable PEM, or the key does not suit the certificate. */
  public static final String INVALID_CERTIFICATE = "InvalidCertificate";
  /** TLS with etcd failed: its certificate is not signed by ca.crt, or etcd refused the client certificate. */
  public static final String TLS_HANDSHAKE_FAILED = "TLSHandshakeFailed";
  /** etcd refused the username or password. */
  public static final String INVALID_CREDENTIALS = "InvalidCredentials";
  /** etcd authenticated the user, but its role does not allow reading the election's keys. */
  public static final String PERMISSION_DENIED = "PermissionDenied";

  /** Any condition, Unknown: the election has not been read yet since the operator started. */
  public static final String OBSERVING = "Observing";

  // Reasons of Switchover, also the reasons of its Events (Normal and Warning).
  public static final String SWITCHOVER_SUCCEEDED = "SwitchoverSucceeded";
  public static final String SWITCHOVER_FAILED = "SwitchoverFailed";

  // Reasons of Updated.
  public static final String ALL_REPLICAS_UPDATED = "AllReplicasUpdated";
  public static final String UPDATING = "Updating";

  // Event reasons that are not conditions.
  /**
   * A Warning Event: the operator revoked the etcd lease of a leader whose pod shows its process
   * gone, so the next candidate leads at once; the message names the evidence.
   */
  public static final String LEADER_REVOKED = "LeaderRevoked";

  // Event types.
  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";

  /** A condition without lastTransitionTime or generation; the operator's status aggregator stamps both. */
  public static Condition condition(String type, String status, String reason, String message) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .build();
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return Optional.empty();
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static Optional<Condition> find(CrawlerMasterStatus status, String type) {
    return status == null ? Optional.empty() : find(status.getConditions(), type);
  }
}
