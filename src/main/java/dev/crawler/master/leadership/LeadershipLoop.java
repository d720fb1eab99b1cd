package dev.crawler.master.leadership;

import dev.crawler.election.Candidate;
import dev.crawler.election.CandidateInfo;
import dev.crawler.election.Election;
import dev.crawler.election.ElectionState;
import dev.crawler.election.Fence;
import dev.crawler.election.LeadershipLostException;
import dev.crawler.election.Observation;
import dev.crawler.election.Session;
import dev.crawler.election.Switchover;
import dev.crawler.etcd.Backoff;
import dev.crawler.etcd.EtcdFailure;
import dev.crawler.etcd.EtcdUnavailableException;
import dev.crawler.support.Failures;
import dev.crawler.support.Threads;
import io.etcd.jetcd.Client;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's part in the election, supervised: session, campaign, lead, step down, repeat.
 *
 * <p>jetcd's Election API never tells a leader that its lease is gone, and after an etcd restart
 * keep-alives and waiting campaigns just end. So this loop owns recovery: it leads only while its
 * session is valid, steps down at once when the session is lost, when observe shows a later
 * leader, or when a fenced write is rejected, and then starts over with a new lease and a new
 * campaign (with jittered backoff while etcd is unreachable).
 *
 * <p>{@link #close()} is the graceful path: stop leader work, resign, revoke the lease. A waiting
 * candidate then wins within milliseconds instead of waiting for the TTL.
 *
 * <p>Leader work runs under a {@link LeaderWatchdog}: work that makes no progress for longer than
 * the TTL (at least 5 s) is hung, and would otherwise hold leadership for ever while its
 * keep-alives go on. The loop then resigns at once (without waiting for the hung thread), revokes
 * its lease, and leaves the election for good ({@link Role#STALLED}): the thread may hold locks or
 * half-done state, so only a restart of the process makes this replica trustworthy again.
 */
public final class LeadershipLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeadershipLoop.class);
  private static final Duration RPC_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration WORK_STOP_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REREAD_INTERVAL = Duration.ofSeconds(10);

  /** Where this replica stands. */
  public enum Role {
    /** Getting a lease; etcd may be unreachable. */
    CONNECTING,
    /** Holding a lease and waiting in the campaign. */
    CANDIDATE,
    LEADER,
    STOPPED,
    /** Candidate work hung; left the election for good and waits to be restarted ({@link #stall()}). */
    STALLED
  }

  private final Client client;
  private final Election election;
  private final CandidateInfo self;
  private final Duration ttl;
  private final LeaderWork work;
  private final ScheduledExecutorService observerThread;
  private final ScheduledExecutorService watchdogThread;
  private final Observation observation;
  private final LeadershipEvents events;
  private final CompletableFuture<String> closing = new CompletableFuture<>();
  // Used by the supervisor thread only.
  private final Backoff.Retry backoff = Backoff.REPLICA.retry();
  private final Thread supervisor;
  /**
   * Set when this replica left the queue on purpose of a switchover: it handed over, or the leader
   * moved it behind the target (revoked its lease). It campaigns again after the shortest backoff:
   * etcd is reachable and nothing failed.
   */
  private volatile boolean requeued;

  private volatile Role role = Role.CONNECTING;
  /** Set once, when leader work was found hung; never cleared. */
  private volatile LeaderWatchdog.Stall stall;
  private volatile Session session;
  private volatile Fence fence;
  /** Set while leading: steps down on seeing a later leader. Called on the observation's thread. */
  private volatile Consumer<Candidate> successorWatch;
  private volatile Candidate lastSeenLeader;
  // Used by the supervisor thread only: the etcd failure last logged at WARN.
  private EtcdFailure.Kind loggedFailure;
  /** Set while leading: the term, how to end it, and when its key was resigned. */
  private volatile Leading leading;
  private final ReentrantLock switchingOver = new ReentrantLock();

  private record Leading(Candidate leadership, CompletableFuture<StepDown> stepDown, CompletableFuture<Void> resigned) {}

  /**
   * Why a term ends. Every path ends it by completing one future with one of these; only the
   * completion that counted decides, so a stall is recorded only when the watchdog's came first.
   */
  record StepDown(String why, Optional<LeaderWatchdog.Stall> stall) {
    static StepDown because(String why) {
      return new StepDown(why, Optional.empty());
    }

    static StepDown stalled(LeaderWatchdog.Stall found) {
      return new StepDown("leader work stalled for " + found.stuckFor().toMillis() + " ms", Optional.of(found));
    }
  }

  /**
   * Ends the term with {@code found} unless another reason ended it first; true when the stall is
   * the reason that counted. The check and the completion are one atomic step: a lost lease, a
   * later leader or a rejected fence that completes the step-down first leaves the replica healthy.
   */
  static boolean stepDownStalled(CompletableFuture<StepDown> stepDown, LeaderWatchdog.Stall found) {
    return stepDown.complete(StepDown.stalled(found));
  }
  // Confined to the observation's thread.
  private String followedKey;

  public LeadershipLoop(Client client, String electionName, CandidateInfo self, Duration ttl, LeaderWork work) {
    this(client, electionName, self, ttl, work, LeadershipEvents.NONE);
  }

  public LeadershipLoop(
      Client client, String electionName, CandidateInfo self, Duration ttl, LeaderWork work, LeadershipEvents events) {
    this.events = events;
    this.client = client;
    this.election = new Election(client, electionName);
    this.self = self;
    this.ttl = ttl;
    this.work = work;
    this.observerThread = Threads.singleScheduler("observe");
    this.watchdogThread = Threads.singleScheduler("leader-watchdog");
    this.observation =
        election.observe(
            new Observation.Options(electionName, Clock.systemUTC(), Backoff.REPLICA, RPC_TIMEOUT, REREAD_INTERVAL),
            observerThread,
            this::onElectionChange);
    this.supervisor = new Thread(this::supervise, "leadership-" + self.id());
  }

  /** Starts observing the election and campaigning; returns at once. */
  public void start() {
    observation.start();
    supervisor.start();
  }

  public CandidateInfo self() {
    return self;
  }

  public Role role() {
    return role;
  }

  /** The term this replica leads in; empty while it does not lead. */
  public Optional<Long> leadingTerm() {
    Fence f = fence;
    return role == Role.LEADER && f != null ? Optional.of(f.term()) : Optional.empty();
  }

  /** Present while this replica leads; every leader-only write goes through it. */
  public Optional<Fence> fence() {
    Fence f = fence;
    return f != null && f.isHeld() ? Optional.of(f) : Optional.empty();
  }

  /**
   * Connected to etcd (a valid lease), taking part in the election, and able to read it: a
   * replica whose role does not grant its election's keys gets a lease (leases need no key
   * permission) but is not ready.
   */
  public boolean isReady() {
    Session s = session;
    Role r = role;
    ElectionState seen = observation.current();
    return s != null && s.isValid() && (r == Role.CANDIDATE || r == Role.LEADER)
        && seen != null && seen.etcdReachable();
  }

  public Election election() {
    return election;
  }

  /** Present once leader work was found hung: this replica left the election and should be restarted. */
  public Optional<LeaderWatchdog.Stall> stall() {
    return Optional.ofNullable(stall);
  }

  /**
   * The last master replica this replica saw leading; may be stale while etcd is unreachable or
   * after the leader vanished. For metrics: ask {@link #currentLeader} for the truth.
   */
  public Optional<Candidate> lastSeenLeader() {
    return Optional.ofNullable(lastSeenLeader);
  }

  /** Asks etcd which master replica leads now. Empty when nobody does, or a value that is not a replica's. */
  public Optional<Candidate> currentLeader(Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    return election.leader().get(timeout.toMillis(), TimeUnit.MILLISECONDS).filter(l -> l.info().isPresent());
  }

  /**
   * Makes a chosen candidate the next leader and resigns ({@link Switchover}); blocks until that
   * candidate leads or {@code wait} has passed. Only the leader can do it.
   *
   * <p>Fenced: leader work stops and the key is resigned only after the queue reads leader, target;
   * from the resign on, every write of the old term is rejected by etcd. If the target is not ready
   * when asked, or its key left the queue before the resign, this replica keeps leading (409) and
   * nothing changed but the queue order. If it dies after that, this replica still resigns: it
   * cannot tell a dead target from a slow one in time, and the cluster is then exactly where a plain
   * handover to a dying successor leaves it: the target's key goes with its lease (within the TTL,
   * sooner when a follower's probe proves it dead) and the next candidate leads.
   *
   * @param candidateId the replica to hand over to; empty: the first ready follower in the queue
   * @param ready asks a candidate whether it is ready (its {@code /readyz}), before anything changes
   */
  public Switchover.Result switchover(Optional<String> candidateId, Predicate<Candidate> ready, Duration wait)
      throws InterruptedException {
    if (!switchingOver.tryLock()) {
      return new Switchover.Refused(Switchover.Refusal.IN_PROGRESS, "a switchover is already under way; retry");
    }
    try {
      Leading mine = leading;
      if (mine == null || role != Role.LEADER) {
        return new Switchover.Refused(Switchover.Refusal.NOT_LEADER, "this replica does not lead");
      }
      long started = System.nanoTime();
      long term = mine.leadership().term();
      List<Candidate> queue = election.candidates().get(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (queue.isEmpty() || queue.get(0).term() != term) {
        return new Switchover.Refused(Switchover.Refusal.NOT_LEADER, "leadership is changing; retry");
      }
      Switchover.Choice choice = Switchover.choose(queue, candidateId, ready);
      if (choice instanceof Switchover.Refused refused) {
        return refused;
      }
      Candidate target = ((Switchover.Target) choice).candidate();
      long chosen = System.nanoTime();
      List<Candidate> ahead = Switchover.ahead(queue, target);
      CompletableFuture.allOf(ahead.stream().map(election::revokeIfStill).toArray(CompletableFuture[]::new))
          .get(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      long moved = System.nanoTime();
      queue = election.candidates().get(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (!Switchover.arranged(queue, term, target)) {
        return queue.isEmpty() || queue.get(0).term() != term
            ? new Switchover.Refused(Switchover.Refusal.NOT_LEADER, "leadership changed during the switchover; retry")
            : new Switchover.Refused(
                Switchover.Refusal.CANDIDATE_NOT_READY, "replica '" + target.id() + "' left the election; this replica keeps leading");
      }
      log.info("switchover: handing term {} over to {} (chosen after {} ms, {} candidate(s) moved behind it after {} ms)",
          term, target.id(), (chosen - started) / 1_000_000, ahead.size(), (moved - started) / 1_000_000);
      requeued = true;
      mine.stepDown().complete(StepDown.because("switchover to " + target.id()));
      try {
        mine.resigned().get(WORK_STOP_TIMEOUT.plus(RPC_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // the lease goes with the session; the wait below says who leads
      }
      long deadline = System.nanoTime() + wait.toNanos();
      Optional<Candidate> next = Optional.empty();
      do {
        try {
          next = election.leader().get(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).filter(l -> l.term() != term);
        } catch (ExecutionException | TimeoutException e) {
          next = Optional.empty();
        }
        if (next.isPresent() && next.get().key().equals(target.key())) {
          return new Switchover.Done(mine.leadership(), next.get());
        }
        if (next.isPresent() && next.get().term() > target.term()) {
          break;
        }
        Thread.sleep(2);
      } while (System.nanoTime() < deadline);
      return new Switchover.Refused(
          Switchover.Refusal.TARGET_DID_NOT_TAKE_OVER,
          "resigned term " + term + ", but replica '" + target.id() + "' did not take over"
              + next.map(l -> "; " + l.id() + " leads (term " + l.term() + ")").orElse("; nobody leads yet, a candidate will within the lease TTL"),
          next);
    } catch (ExecutionException | TimeoutException e) {
      throw new EtcdUnavailableException("switchover: " + Failures.rootMessage(e), e);
    } finally {
      switchingOver.unlock();
    }
  }

  private void supervise() {
    while (!closing.isDone()) {
      role = Role.CONNECTING;
      Session s;
      try {
        s = Session.open(client, ttl, RPC_TIMEOUT);
      } catch (InterruptedException e) {
        break;
      } catch (ExecutionException | TimeoutException e) {
        events.etcdError("lease_grant");
        EtcdFailure failure = EtcdFailure.of(e);
        pause("cannot get a lease from etcd: " + failure.describe(), failure.kind());
        continue;
      }
      session = s;
      long openedAt = System.nanoTime();
      Retry retry;
      try {
        retry = campaignAndLead(s);
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException e) {
        // A bug here must not end the supervisor: the replica would stay up and never lead again.
        log.error("leadership loop failed unexpectedly; campaigning again", e);
        retry = new Retry("unexpected error (" + e + ")", null);
      } finally {
        s.close(Duration.ofSeconds(1));
      }
      if (stall != null) {
        // Resigned and revoked: a follower takes over. This replica does not campaign again.
        break;
      }
      // Only a session that lasted resets the backoff: leader work that fails at once, or a
      // lease lost right after each win, must not become a tight grant-campaign-resign loop.
      if (System.nanoTime() - openedAt >= ttl.toNanos() || requeued || s.revokedInEtcd()) {
        backoff.reset();
      }
      requeued = false;
      // Back off with the old lease already revoked, so it does not linger while we wait.
      if (retry != null && !closing.isDone()) {
        role = Role.CONNECTING;
        pause(retry.why(), retry.failure());
      }
    }
    role = stall != null ? Role.STALLED : Role.STOPPED;
  }

  /** Why to back off before the next campaign; {@code failure} when etcd refused or failed a call. */
  private record Retry(String why, EtcdFailure.Kind failure) {}

  /**
   * Campaigns and, once won, leads. Returns why to back off before the next campaign; null when
   * closing, or when the lease was revoked while waiting (campaign again at once).
   */
  private Retry campaignAndLead(Session s) throws InterruptedException {
    role = Role.CANDIDATE;
    CompletableFuture<Candidate> campaign = election.campaign(s.leaseId(), self);
    try {
      CompletableFuture.anyOf(campaign, s.lost(), closing).get();
    } catch (ExecutionException campaignFailed) {
      // handled below
    }
    if (!campaign.isDone() || campaign.isCompletedExceptionally()) {
      // A campaign cannot be cancelled on the server; if it wins later, give the win back.
      campaign.thenAccept(election::resign);
      if (closing.isDone()) {
        events.campaignEnded(LeadershipEvents.CampaignOutcome.CANCELLED);
        return null;
      }
      if (s.lost().isDone() && s.revokedInEtcd()) {
        // Not an etcd failure: etcd answered that someone revoked our lease while we waited, as a
        // switchover's leader does to the candidates ahead of its target. Back in the queue at once.
        events.campaignEnded(LeadershipEvents.CampaignOutcome.REQUEUED);
        log.info("left the campaign: {}; campaigning again", s.lost().getNow(""));
        return null;
      }
      events.campaignEnded(LeadershipEvents.CampaignOutcome.FAILED);
      events.etcdError(s.lost().isDone() ? "keepalive" : "campaign");
      if (s.lost().isDone()) {
        return new Retry("left the campaign: " + s.lost().getNow(""), EtcdFailure.Kind.UNREACHABLE);
      }
      EtcdFailure failure = failure(campaign);
      return new Retry("left the campaign: campaign failed: " + failure.describe(), failure.kind());
    }
    Candidate won = campaign.join();
    String gone = keyGone(won);
    if (gone != null) {
      requeued = true;
      election.resign(won);
      events.campaignEnded(LeadershipEvents.CampaignOutcome.FAILED);
      return new Retry("left the campaign: " + gone, null);
    }
    loggedFailure = null;
    events.campaignEnded(LeadershipEvents.CampaignOutcome.WON);
    String why = lead(s, won);
    return closing.isDone() ? null : new Retry("stepped down: " + why, null);
  }

  /** Why a won campaign must not lead (its key is gone or cannot be checked); null when it holds. */
  private String keyGone(Candidate won) throws InterruptedException {
    try {
      return election.holds(won).get(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          ? null
          : "won with key " + won.key() + " that no longer exists (its lease was revoked while waiting)";
    } catch (ExecutionException | TimeoutException e) {
      events.etcdError("campaign");
      return "cannot check the won key: " + Failures.rootMessage(e);
    }
  }

  /** Leads until a reason to step down; returns that reason once leader work stopped and the key is resigned. */
  private String lead(Session s, Candidate leadership) throws InterruptedException {
    long term = leadership.term();
    CompletableFuture<StepDown> stepDown = new CompletableFuture<>();
    s.lost().thenAccept(why -> {
      // Closing the session after a step-down also completes lost(): not an etcd error.
      if (!closing.isDone() && !stepDown.isDone()) {
        events.etcdError("keepalive");
      }
      stepDown.complete(StepDown.because("lease lost: " + why));
    });
    successorWatch =
        observed -> {
          if (Candidate.supersedes(observed, term)) {
            stepDown.complete(StepDown.because("observed a later leader " + observed.id() + " (term " + observed.term() + ")"));
          }
        };
    CompletableFuture<Void> resigned = new CompletableFuture<>();
    leading = new Leading(leadership, stepDown, resigned);
    // close() steps the current term down; checked here too for a close() that came before
    // `leading` was set. (Not closing.thenAccept: one closure per term would pile up on it.)
    if (closing.isDone()) {
      stepDown.complete(StepDown.because(closing.getNow("shutting down")));
    }
    Fence f =
        election.fence(leadership, s::isValid, why -> {
          events.fenceRejected();
          stepDown.complete(StepDown.because(why));
        });
    log.info("became leader (term {})", term);
    fence = f;
    role = Role.LEADER;
    LeaderWatchdog watchdog =
        new LeaderWatchdog(term, LeaderWatchdog.boundFor(ttl), s::isValid, found -> {
          if (stepDownStalled(stepDown, found)) {
            events.leaderWorkStalled();
            log.warn("{}; stepping down, leaving the election and failing /healthz until restarted", found.describe());
          }
        });
    Thread worker =
        new Thread(
            () -> {
              try {
                work.lead(f, watchdog);
                stepDown.complete(StepDown.because("leader work ended"));
              } catch (InterruptedException | LeadershipLostException e) {
                stepDown.complete(StepDown.because("leader work stopped: " + e.getMessage()));
              } catch (RuntimeException | Error e) {
                log.error("leader work failed", e);
                stepDown.complete(StepDown.because("leader work failed: " + e));
              }
            },
            "leader-work-term-" + term);
    worker.setDaemon(true);
    watchdog.watch(worker, watchdogThread);
    worker.start();
    StepDown ended;
    try {
      ended = stepDown.get();
    } catch (ExecutionException impossible) {
      ended = StepDown.because(impossible.toString());
    }
    watchdog.close();
    // Only the completion that ended the term says whether it stalled (see StepDown).
    boolean stalled = ended.stall().isPresent();
    ended.stall().ifPresent(found -> stall = found);
    String why = ended.why();
    // Stop acting first; only then let a successor in. Hung work does not stop: resign at once
    // and rely on the fence, which etcd applies to every write the thread may still attempt.
    role = Role.CANDIDATE;
    fence = null;
    successorWatch = null;
    worker.interrupt();
    if (!stalled) {
      worker.join(WORK_STOP_TIMEOUT.toMillis());
    }
    if (!stalled && worker.isAlive()) {
      log.warn("leader work of term {} did not stop within {} ms", term, WORK_STOP_TIMEOUT.toMillis());
    }
    log.info("stepped down (term {}): {}", term, why);
    try {
      election.resign(leadership).get(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      events.etcdError("resign");
      // The key goes with the lease, which the caller revokes or which expires.
    } finally {
      leading = null;
      resigned.complete(null);
    }
    return why;
  }

  /** Runs on the observation's thread. Only master replicas' values count: others are not followed. */
  private void onElectionChange(ElectionState state) {
    Optional<Candidate> seen = state.leader().filter(l -> l.info().isPresent());
    if (seen.isEmpty()) {
      return;
    }
    Candidate leader = seen.get();
    lastSeenLeader = leader;
    Consumer<Candidate> watch = successorWatch;
    if (watch != null) {
      watch.accept(leader);
    }
    if (role == Role.LEADER || leader.id().equals(self.id()) || leader.key().equals(followedKey)) {
      return;
    }
    followedKey = leader.key();
    log.info("now following {} at {} (term {})", leader.id(), leader.info().get().address(), leader.term());
  }

  /**
   * Waits out the backoff. An etcd failure is logged at WARN once per change of its kind, so a
   * wrong password or a missing permission is one clear line, not one per retry.
   */
  private void pause(String why, EtcdFailure.Kind failure) {
    Duration delay = backoff.next();
    if (failure == null || failure != loggedFailure) {
      log.warn("{}; retrying with backoff (now {} ms)", why, delay.toMillis());
    } else {
      log.debug("{}; retrying in {} ms", why, delay.toMillis());
    }
    loggedFailure = failure;
    try {
      closing.get(delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // delay elapsed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static EtcdFailure failure(CompletableFuture<?> f) {
    try {
      f.getNow(null);
      return new EtcdFailure(EtcdFailure.Kind.UNREACHABLE, "unknown");
    } catch (RuntimeException e) {
      return EtcdFailure.of(e);
    }
  }

  /**
   * Graceful stop: stops leader work, resigns, revokes the lease, and waits for all of it (at most
   * a few seconds). Idempotent.
   */
  @Override
  public void close() {
    closing.complete("shutting down");
    Leading current = leading;
    if (current != null) {
      current.stepDown().complete(StepDown.because("shutting down"));
    }
    try {
      supervisor.join(WORK_STOP_TIMEOUT.toMillis() + 3000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    observation.close();
    observerThread.shutdown();
    watchdogThread.shutdown();
    role = stall != null ? Role.STALLED : Role.STOPPED;
  }
}
