package dev.crawler.master;

import dev.crawler.api.MasterPaths;
import java.time.Duration;
import java.util.Optional;

/**
 * The deadline a follower puts on a request it forwards ({@link MasterPaths#FORWARD_DEADLINE_HEADER}).
 * Without it a request held by the network (a partition between the replicas that drops packets and
 * then heals) reaches the leader seconds after the follower answered its client 503, and a create or
 * a delete the client was told did not happen takes effect behind its back, possibly after the
 * client's retry or its next request for the same name.
 */
final class ForwardDeadline {
  private ForwardDeadline() {}

  /** The header's value for a request forwarded at {@code nowMillis} that the follower waits {@code timeout} for. */
  static String header(long nowMillis, Duration timeout) {
    return Long.toString(nowMillis + timeout.toMillis());
  }

  /**
   * Why a forwarded request that arrived at {@code nowMillis} is not served, or empty when it is
   * (no header: a client's own request; a header that is not a number: 400 is not ours to give
   * for a peer's header, so it is served as if it had none).
   */
  static Optional<String> expired(String header, long nowMillis) {
    if (header == null) {
      return Optional.empty();
    }
    long deadline;
    try {
      deadline = Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (nowMillis <= deadline) {
      return Optional.empty();
    }
    return Optional.of("the forwarded request arrived " + (nowMillis - deadline)
        + " ms after the forwarding replica gave up on it; not applied");
  }
}
