package dev.crawler.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The schedule of one chaos run, decided from the seed alone: each lane draws its faults from its
 * own generator, so a seed replays the same sequence of faults, targets and durations per lane
 * however the run's timing goes.
 */
public final class FaultPlan {

  /**
   * One fault: {@code target} is a replica, etcd member or worker index (taken modulo what exists
   * when it is injected; ignored when {@code atLeader}); held for {@code holdMs}, then healed,
   * then the lane waits {@code gapMs}.
   */
  public record Fault(FaultKind kind, boolean atLeader, int target, long holdMs, long gapMs) {}

  private final int leaseTtlSeconds;
  private final boolean partitions;
  private final Random master;
  private final Random etcd;
  private final Random worker;
  private int etcdTurn;

  /**
   * @param partitions whether network partitions can be made (root and {@code ip netns}); without,
   *     the master lane draws only signals
   */
  public FaultPlan(long seed, int leaseTtlSeconds, boolean partitions) {
    this.leaseTtlSeconds = leaseTtlSeconds;
    this.partitions = partitions;
    this.master = new Random(seed * 31 + 1);
    this.etcd = new Random(seed * 31 + 2);
    this.worker = new Random(seed * 31 + 3);
  }

  /** The next fault of the master lane: a signal or a partition, at the leader more often than not. */
  public Fault nextMasterFault() {
    List<FaultKind> kinds = new ArrayList<>(List.of(FaultKind.SIGKILL, FaultKind.SIGSTOP, FaultKind.SIGTERM));
    if (partitions) {
      kinds.add(FaultKind.PARTITION_MASTER_ETCD);
      kinds.add(FaultKind.PARTITION_MASTER_MASTER);
    }
    FaultKind kind = kinds.get(master.nextInt(kinds.size()));
    boolean atLeader = master.nextInt(10) < 6;
    int target = master.nextInt(3);
    long ttl = leaseTtlSeconds * 1000L;
    long hold = switch (kind) {
      // Down this long before it is started again.
      case SIGKILL, SIGTERM -> 300 + master.nextInt(1700);
      // Longer than the TTL: the lease expires while the process sleeps, then it wakes up.
      case SIGSTOP -> ttl + 500 + master.nextInt(2000);
      // Longer than the TTL: the leader's lease runs out while it cannot reach etcd.
      case PARTITION_MASTER_ETCD -> ttl + 1000 + master.nextInt(3000);
      case PARTITION_MASTER_MASTER -> 2000 + master.nextInt(4000);
      default -> throw new IllegalStateException(kind.toString());
    };
    return new Fault(kind, atLeader, target, hold, 300 + master.nextInt(1200));
  }

  /** The next fault of the etcd lane: member kills and leader kills take turns. */
  public Fault nextEtcdFault() {
    FaultKind kind = etcdTurn++ % 2 == 0 ? FaultKind.ETCD_MEMBER_KILL : FaultKind.ETCD_LEADER_KILL;
    return new Fault(kind, kind == FaultKind.ETCD_LEADER_KILL, etcd.nextInt(3), 1000 + etcd.nextInt(3000),
        1000 + etcd.nextInt(2000));
  }

  /**
   * The next step of the worker lane: a death (kind WORKER_DEATH) or a join (kind null); the lane
   * decides which by how many workers live, {@code dieRoll} below 0.5 meaning "prefer a death".
   */
  public WorkerStep nextWorkerStep() {
    return new WorkerStep(worker.nextDouble(), worker.nextInt(1000), worker.nextBoolean(), 1000 + worker.nextInt(3000));
  }

  /** A worker lane step: whether to prefer a death, whom (modulo the live ones), how, and the pause after. */
  public record WorkerStep(double dieRoll, int target, boolean graceful, long gapMs) {}
}
