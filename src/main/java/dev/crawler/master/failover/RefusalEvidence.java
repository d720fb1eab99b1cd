package dev.crawler.master.failover;

import java.util.Objects;

/**
 * A follower's evidence that one leader's process is gone, built from probes of its port. Pure:
 * each probe answer gives the next value.
 *
 * <p>The leader is proven gone after {@link #REQUIRED_REFUSALS} refusals in a row, and only if
 * the same leader (key and term) once accepted a connection. Two refusals rather than one: a single
 * reset can be a one-off (a listen backlog overflowing with {@code tcp_abort_on_overflow}, a
 * conntrack hiccup), two in a row one probe interval apart are a port nobody listens on; the
 * second costs one interval (200 ms by default), a small part of the sub-second target. The
 * "accepted once" rule keeps a misconfigured advertise address (nothing ever listens there) or a
 * firewall that rejects probes from turning into a revoke after every election: such a leader
 * just waits for its TTL like before. Any accepted or unanswered probe resets the count.
 *
 * @param key the leader key probed; a different key starts new evidence
 * @param term the leader key's create revision
 * @param acceptedOnce whether this leader's port ever accepted a connection
 * @param refusals consecutive refusals since the last other answer
 */
public record RefusalEvidence(String key, long term, boolean acceptedOnce, int refusals) {
  public static final int REQUIRED_REFUSALS = 2;

  /** No evidence about this leader yet. */
  public static RefusalEvidence none(String key, long term) {
    return new RefusalEvidence(key, term, false, 0);
  }

  /** The evidence after probing leader {@code key} of {@code term} got {@code answer}. */
  public RefusalEvidence after(String key, long term, PortProbe.Answer answer) {
    RefusalEvidence base = Objects.equals(this.key, key) && this.term == term ? this : none(key, term);
    return switch (answer) {
      case ACCEPTED -> new RefusalEvidence(key, term, true, 0);
      case REFUSED -> new RefusalEvidence(key, term, base.acceptedOnce, base.refusals + 1);
      case NO_ANSWER -> new RefusalEvidence(key, term, base.acceptedOnce, 0);
    };
  }

  /** True when this is proof enough that the leader's process is gone. */
  public boolean leaderIsGone() {
    return acceptedOnce && refusals >= REQUIRED_REFUSALS;
  }
}
