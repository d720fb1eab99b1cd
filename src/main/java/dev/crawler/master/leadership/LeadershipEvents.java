package dev.crawler.master.leadership;

/**
 * What a {@link LeadershipLoop} reports as it goes, for metrics. Called on the loop's own threads;
 * implementations must be quick and must not throw.
 */
public interface LeadershipEvents {
  /** How a campaign ended. */
  enum CampaignOutcome {
    WON,
    /** etcd failed the campaign or the session's lease was lost while waiting; the loop retries. */
    FAILED,
    /**
     * The lease was revoked in etcd while waiting, as a switchover's leader does to the candidates
     * ahead of its target; the loop campaigns again at the back of the queue.
     */
    REQUEUED,
    /** The replica is shutting down. */
    CANCELLED
  }

  LeadershipEvents NONE = new LeadershipEvents() {};

  default void campaignEnded(CampaignOutcome outcome) {}

  /** etcd rejected a fenced write of this replica's term: it is no longer leader. */
  default void fenceRejected() {}

  /** Leader work made no progress for longer than the TTL (at least 5 s); the replica stepped down for good. */
  default void leaderWorkStalled() {}

  /**
   * A call to etcd failed. {@code operation} is one of {@code lease_grant}, {@code campaign},
   * {@code keepalive} (the session's lease was lost while not closing), {@code resign}.
   */
  default void etcdError(String operation) {}
}
