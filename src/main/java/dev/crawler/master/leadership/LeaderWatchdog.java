package dev.crawler.master.leadership;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Watches one term's leader work for progress. The work beats from its own loop ({@link
 * Heartbeat}); once it has gone without a beat for longer than the bound ({@link #boundFor}: the
 * lease TTL, at least 5 s), it is taken as hung and {@code onStall} is called once, with how long
 * and where it is stuck.
 *
 * <p>A stall is declared only while the lease is still valid, i.e. while etcd answers this
 * replica's keep-alives: work blocked because etcd is unreachable is not hung, and the lease clock
 * steps the replica down for that (and lets it campaign again once etcd is back).
 *
 * <p>Time in which the whole process did not run (a long GC pause, SIGSTOP, a starved machine) is
 * not charged to the work: each check notices how late it runs and excuses the lateness. A paused
 * replica is the lease clock's business; the watchdog must not get a healthy one restarted.
 */
public final class LeaderWatchdog implements Heartbeat, AutoCloseable {
  private static final Duration MIN_CHECK = Duration.ofMillis(50);
  private static final Duration MAX_CHECK = Duration.ofMillis(500);
  /**
   * Longer than one etcd call of leader work may block (the assigner's calls time out after 3 s),
   * so a slow but answering etcd (a slow disk delays writes more than lease renewals) is not a hang.
   */
  static final Duration MIN_BOUND = Duration.ofSeconds(5);

  /** How long leader work went without a beat, on which thread, and where that thread was then. */
  public record Stall(long term, Duration stuckFor, Duration bound, String thread, String stackTop) {
    public String describe() {
      return "leader work of term " + term + " made no progress for " + stuckFor.toMillis() + " ms (bound "
          + bound.toMillis() + " ms); thread " + thread + " is at " + stackTop;
    }
  }

  private final long term;
  private final Duration bound;
  private final Duration checkEvery;
  private final Consumer<Stall> onStall;
  private final BooleanSupplier leaseValid;
  private final AtomicBoolean fired = new AtomicBoolean();
  private volatile long lastBeat = System.nanoTime();
  private volatile ScheduledFuture<?> checks;
  private Thread worker;
  // Used by the checking thread only (set before the first check is scheduled).
  private Progress progress;

  /**
   * What the checks remember between runs: the last beat seen, the pause time excused since it,
   * and when the last check ran. Pure: each check is {@link #checked}, then {@link #stalled}.
   */
  record Progress(long lastBeat, long excused, long lastCheck) {
    static Progress start(long now) {
      return new Progress(now, 0, now);
    }

    /** After a check at {@code now} that read {@code beat}; a new beat clears what was excused. */
    Progress checked(long beat, long now, Duration checkEvery) {
      long before = beat == lastBeat ? excused : 0;
      return new Progress(beat, before + excusedNanos(beat, lastCheck, now, checkEvery), now);
    }

    /** Stalled as of the last check: the last beat, moved on by what was excused, lies more than {@code bound} back. */
    boolean stalled(Duration bound) {
      return LeaderWatchdog.stalled(lastBeat + excused, lastCheck, bound);
    }
  }

  /** How long leader work may go without a beat: the lease TTL, but at least {@link #MIN_BOUND}. */
  public static Duration boundFor(Duration ttl) {
    return ttl.compareTo(MIN_BOUND) < 0 ? MIN_BOUND : ttl;
  }

  /**
   * @param bound how long the work may go without a beat ({@link #boundFor} the lease TTL)
   * @param leaseValid whether the term's lease is still valid (etcd answers keep-alives)
   */
  public LeaderWatchdog(long term, Duration bound, BooleanSupplier leaseValid, Consumer<Stall> onStall) {
    this.term = term;
    this.leaseValid = leaseValid;
    this.bound = bound;
    this.checkEvery = checkInterval(bound);
    this.onStall = onStall;
  }

  /** A tenth of the bound, between 50 and 500 ms: a hang is seen within the bound plus this. */
  static Duration checkInterval(Duration bound) {
    Duration tenth = bound.dividedBy(10);
    return tenth.compareTo(MIN_CHECK) < 0 ? MIN_CHECK : tenth.compareTo(MAX_CHECK) > 0 ? MAX_CHECK : tenth;
  }

  /** The decision: stalled when the last progress lies more than {@code bound} before {@code now}. */
  static boolean stalled(long lastProgressNanos, long nowNanos, Duration bound) {
    return nowNanos - lastProgressNanos > bound.toNanos();
  }

  /**
   * How much of the time since the previous check is not the work's to answer for: a check runs
   * every {@code checkEvery}; whatever it ran later than that (counted from the last beat when that
   * came after the previous check) the process was not running the checks, so maybe not the work
   * either. Never negative.
   */
  static long excusedNanos(long lastBeatNanos, long previousCheckNanos, long nowNanos, Duration checkEvery) {
    long since = Math.max(lastBeatNanos, previousCheckNanos);
    return Math.max(0, nowNanos - since - checkEvery.toNanos());
  }

  @Override
  public void beat() {
    lastBeat = System.nanoTime();
  }

  @Override
  public Duration interval() {
    return bound.dividedBy(4);
  }

  /** Starts checking {@code worker} (whose stack a stall names) on {@code timer}. */
  public void watch(Thread worker, ScheduledExecutorService timer) {
    this.worker = worker;
    long now = System.nanoTime();
    lastBeat = now;
    progress = Progress.start(now);
    long every = checkEvery.toNanos();
    checks = timer.scheduleWithFixedDelay(this::check, every, every, TimeUnit.NANOSECONDS);
  }

  private void check() {
    long now = System.nanoTime();
    progress = progress.checked(lastBeat, now, checkEvery);
    if (progress.stalled(bound) && leaseValid.getAsBoolean() && fired.compareAndSet(false, true)) {
      close();
      onStall.accept(
          new Stall(term, Duration.ofNanos(now - progress.lastBeat()), bound, worker.getName(), stackTop(worker)));
    }
  }

  /** The thread's state, its top frame and, when that is the JDK's, the innermost frame outside the JDK. */
  static String stackTop(Thread t) {
    StackTraceElement[] stack = t.getStackTrace();
    if (stack.length == 0) {
      return t.getState() + " (no stack)";
    }
    String top = t.getState() + " at " + frame(stack[0]);
    if (!isJdk(stack[0])) {
      return top;
    }
    return Arrays.stream(stack).filter(f -> !isJdk(f)).findFirst().map(f -> top + " in " + frame(f)).orElse(top);
  }

  private static String frame(StackTraceElement f) {
    String where = f.isNativeMethod() ? "native" : f.getFileName() + ":" + f.getLineNumber();
    return f.getClassName() + "." + f.getMethodName() + "(" + where + ")";
  }

  private static boolean isJdk(StackTraceElement frame) {
    String c = frame.getClassName();
    return c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.");
  }

  /** Stops checking. Idempotent. */
  @Override
  public void close() {
    ScheduledFuture<?> c = checks;
    if (c != null) {
      c.cancel(false);
    }
  }
}
