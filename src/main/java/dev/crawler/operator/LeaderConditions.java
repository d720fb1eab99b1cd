package dev.crawler.operator;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;
import java.util.Optional;

/** The election's condition types and reasons. */
public final class LeaderConditions {
  private LeaderConditions() {}

  public static final String LEADER_ELECTED = "LeaderElected";
  public static final String ETCD_REACHABLE = "EtcdReachable";

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  /** LeaderElected=True: one of this cluster's pods leads. */
  public static final String ELECTED = "Elected";
  /** LeaderElected=False: nobody holds the election. */
  public static final String NO_LEADER = "NoLeader";
  /** LeaderElected=False: the leader is not one of this cluster's pods, or its value is not ours. */
  public static final String UNKNOWN_LEADER = "UnknownLeader";
  /** LeaderElected=False: etcd cannot be read, so the leader is not known. */
  public static final String ETCD_UNREACHABLE = "EtcdUnreachable";
  /** EtcdReachable=True. */
  public static final String REACHABLE = "Reachable";
  /** EtcdReachable=False. */
  public static final String UNREACHABLE = "Unreachable";
  /** Either condition, Unknown: the election has not been read yet since the operator started. */
  public static final String OBSERVING = "Observing";

  /** A condition without lastTransitionTime or generation; {@link StatusAggregator} stamps both. */
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
}
