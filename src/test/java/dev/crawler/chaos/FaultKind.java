package dev.crawler.chaos;

import java.util.Locale;

/** The faults a chaos run injects, by the lane that injects them. */
public enum FaultKind {
  SIGKILL(Lane.MASTER),
  SIGSTOP(Lane.MASTER),
  SIGTERM(Lane.MASTER),
  PARTITION_MASTER_ETCD(Lane.MASTER),
  PARTITION_MASTER_MASTER(Lane.MASTER),
  ETCD_MEMBER_KILL(Lane.ETCD),
  ETCD_LEADER_KILL(Lane.ETCD),
  WORKER_DEATH(Lane.WORKER);

  /**
   * Faults of one lane follow one another; the lanes run side by side, so faults of different
   * lanes overlap (a master paused while an etcd member is down while a worker dies).
   */
  public enum Lane { MASTER, ETCD, WORKER }

  private final Lane lane;

  FaultKind(Lane lane) {
    this.lane = lane;
  }

  public Lane lane() {
    return lane;
  }

  public boolean needsNetwork() {
    return this == PARTITION_MASTER_ETCD || this == PARTITION_MASTER_MASTER;
  }

  /** The name in results.json. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
