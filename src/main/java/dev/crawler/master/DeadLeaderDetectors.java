package dev.crawler.master;

import dev.crawler.support.InvalidConfigException;
import dev.crawler.support.Settings;
import dev.crawler.api.MasterEnv;
import java.util.Locale;
import java.util.Map;

/**
 * Which of a replica's dead-leader detectors run (README, "Crash failover"). Both are on by
 * default; each can be turned off by flag or environment variable (flags win).
 *
 * @param probeLeader followers probe the leader's port and revoke its lease when it refuses
 * @param revokePreviousLease at start, revoke leases an earlier run of this replica left behind
 */
public record DeadLeaderDetectors(boolean probeLeader, boolean revokePreviousLease) {
  public static final DeadLeaderDetectors ALL = new DeadLeaderDetectors(true, true);

  /** Flags as given ({@code true}/{@code false}, null when absent), falling back to {@link MasterEnv}. */
  public static DeadLeaderDetectors resolve(String probeLeaderFlag, String revokePreviousLeaseFlag, Map<String, String> env)
      throws InvalidConfigException {
    return new DeadLeaderDetectors(
        bool(probeLeaderFlag, "--probe-leader", env, MasterEnv.PROBE_LEADER),
        bool(revokePreviousLeaseFlag, "--revoke-previous-lease", env, MasterEnv.REVOKE_PREVIOUS_LEASE));
  }

  private static boolean bool(String flag, String name, Map<String, String> env, String var)
      throws InvalidConfigException {
    String v = Settings.pick(flag, env, var);
    if (v == null) {
      return true;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new InvalidConfigException(
          "invalid " + name + " (or " + var + ") '" + v + "': expected true or false");
    };
  }
}
