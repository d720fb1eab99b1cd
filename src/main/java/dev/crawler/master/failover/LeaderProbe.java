package dev.crawler.master.failover;

import dev.crawler.election.Candidate;
import dev.crawler.election.Election;
import dev.crawler.support.Failures;
import dev.crawler.support.Threads;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's watch on the leader's process: every {@code interval} it connects to the address
 * the leader published and, once {@link RefusalEvidence} proves the process gone, revokes the
 * leader's lease so the next candidate wins at once instead of after the TTL.
 *
 * <p>Why this is safe: only a refused connection counts (see {@link PortProbe}); a leader that is
 * paused, slow, or cut off by a partition answers or times out, so it keeps its lease until it
 * expires, exactly as without the probe. The revoke itself can hit no one but the probed term
 * (see {@link Election#revokeIfStill}), and if the evidence was wrong the fence on every leader
 * write keeps the revoked leader from writing anything: it steps down when its keep-alive or next
 * write fails.
 *
 * <p>Every follower probes; when several see the evidence, the first revoke wins and the others
 * find the key gone. A replica never probes a leader with its own id.
 */
public final class LeaderProbe implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderProbe.class);
  /** Probe interval; with two refusals required, a dead leader is proven gone 200-400 ms after it died. */
  public static final int DEFAULT_INTERVAL_MILLIS = 200;
  public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(DEFAULT_INTERVAL_MILLIS);

  private final Supplier<Optional<Candidate>> leader;
  private final String selfId;
  private final Election election;
  private final Duration interval;
  private final Duration timeout;
  private final Revocations revocations;
  private final ScheduledExecutorService timer;
  private RefusalEvidence evidence = RefusalEvidence.none(null, 0);

  /**
   * @param leader the leader this replica last saw (a master replica's value), e.g. {@link
   *     LeadershipLoop#lastSeenLeader}
   * @param timeout how long one revoke may take
   */
  public LeaderProbe(
      Supplier<Optional<Candidate>> leader,
      String selfId,
      Election election,
      Duration interval,
      Duration timeout,
      Revocations revocations) {
    this.leader = leader;
    this.selfId = selfId;
    this.election = election;
    this.interval = interval;
    this.timeout = timeout;
    this.revocations = revocations;
    this.timer = Threads.singleScheduler("leader-probe");
  }

  public void start() {
    timer.scheduleWithFixedDelay(this::probeOnce, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void probeOnce() {
    try {
      Optional<Candidate> seen = leader.get().filter(l -> l.info().isPresent());
      if (seen.isEmpty() || seen.get().id().equals(selfId) || seen.get().info().get().address() == null) {
        return;
      }
      Candidate l = seen.get();
      String address = l.info().get().address();
      // A connect timeout below the interval: a probe that hangs proves nothing anyway.
      PortProbe.Answer answer = PortProbe.probe(address, interval);
      evidence = evidence.after(l.key(), l.term(), answer);
      if (!evidence.leaderIsGone()) {
        return;
      }
      Optional<Long> revoked = election.revokeIfStill(l).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (revoked.isPresent()) {
        revocations.revoked(Revocations.Cause.LEADER_PORT_REFUSED);
        log.warn(
            "revoked lease {} of leader {} (term {}): {} refused {} connections in a row",
            Long.toHexString(revoked.get()), l.id(), l.term(), address, evidence.refusals());
      }
      // Revoked or already gone: either way this key is done; start over with whoever leads next.
      evidence = RefusalEvidence.none(null, 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // etcd unreachable or slow: keep the evidence and try the revoke again on the next probe.
      log.debug("leader probe could not revoke: {}", Failures.describe(e));
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
