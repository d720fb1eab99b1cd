package dev.crawler.master.failover;

import java.util.Locale;

/** Counts leases this replica revoked for someone else, by the evidence that allowed it (for metrics). */
public interface Revocations {
  /** The evidence behind a revoke. */
  enum Cause {
    /** The leader's port refused connections: its process is gone ({@link LeaderProbe}). */
    LEADER_PORT_REFUSED,
    /** A candidate key with this replica's id under a lease from before it started ({@link PreviousIncarnation}). */
    PREVIOUS_INCARNATION;

    /** The metric label value. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Called once per lease actually revoked; must be quick and must not throw. */
  void revoked(Cause cause);
}
