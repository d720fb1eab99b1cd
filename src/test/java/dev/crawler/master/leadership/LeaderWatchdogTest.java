package dev.crawler.master.leadership;

import dev.crawler.support.Threads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LeaderWatchdogTest {
  private static final Duration BOUND = LeaderWatchdog.boundFor(Duration.ofSeconds(5));
  private static final long MS = 1_000_000;
  private static final Duration CHECK = LeaderWatchdog.checkInterval(BOUND);

  private final ScheduledExecutorService timer = Threads.singleScheduler("watchdog-test");

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void workIsStalledOnlyOnceItsLastProgressLiesMoreThanTheBoundBack() {
    long last = 1_000 * MS;
    assertThat(LeaderWatchdog.stalled(last, last, BOUND)).isFalse();
    assertThat(LeaderWatchdog.stalled(last, last + BOUND.toNanos(), BOUND)).isFalse();
    assertThat(LeaderWatchdog.stalled(last, last + BOUND.toNanos() + 1, BOUND)).isTrue();
    assertThat(LeaderWatchdog.stalled(last, last + 60_000 * MS, BOUND)).isTrue();
  }

  @Test
  void theBoundIsTheTtlButNeverLessThanFiveSecondsLongerThanOneEtcdCallOfTheAssigner() {
    assertThat(LeaderWatchdog.boundFor(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(5));
    assertThat(LeaderWatchdog.boundFor(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
    assertThat(LeaderWatchdog.boundFor(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void checksRunATenthOfTheBoundApartBetween50And500Ms() {
    assertThat(LeaderWatchdog.checkInterval(Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(200));
    assertThat(LeaderWatchdog.checkInterval(Duration.ofSeconds(5))).isEqualTo(Duration.ofMillis(500));
    assertThat(LeaderWatchdog.checkInterval(Duration.ofSeconds(60))).isEqualTo(Duration.ofMillis(500));
    assertThat(LeaderWatchdog.checkInterval(Duration.ofMillis(100))).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void checksOnScheduleExcuseNothingAndFindHungWorkStalledJustAfterTheBound() {
    LeaderWatchdog.Progress p = LeaderWatchdog.Progress.start(0);
    long now = 0;
    while (now <= BOUND.toNanos()) {
      now += CHECK.toNanos();
      p = p.checked(0, now, CHECK);
      assertThat(p.excused()).isZero();
      assertThat(p.stalled(BOUND)).isEqualTo(now > BOUND.toNanos());
    }
    assertThat(p.stalled(BOUND)).isTrue();
    assertThat(now).isEqualTo(BOUND.toNanos() + CHECK.toNanos());
  }

  @Test
  void idleWorkThatBeatsEveryIntervalIsNeverStalled() {
    LeaderWatchdog.Progress p = LeaderWatchdog.Progress.start(0);
    long beat = 0;
    for (long now = CHECK.toNanos(); now < 20 * BOUND.toNanos(); now += CHECK.toNanos()) {
      if (now - beat >= BOUND.dividedBy(4).toNanos()) {
        beat = now;
      }
      p = p.checked(beat, now, CHECK);
      assertThat(p.stalled(BOUND)).isFalse();
    }
  }

  @Test
  void aPauseOfTheWholeProcessLongerThanTheBoundIsNotChargedToTheWork() {
    // A 30 s GC pause (or SIGSTOP) right after a beat: the first check after it runs 30 s late.
    LeaderWatchdog.Progress p = LeaderWatchdog.Progress.start(0).checked(0, CHECK.toNanos(), CHECK);
    long resumed = CHECK.toNanos() + 30_000 * MS;
    p = p.checked(0, resumed, CHECK);
    assertThat(p.excused()).isEqualTo(30_000 * MS - CHECK.toNanos());
    assertThat(p.stalled(BOUND)).isFalse();
    // The work beats again after the pause: nothing stays excused, the bound counts from the beat.
    p = p.checked(resumed, resumed + CHECK.toNanos(), CHECK);
    assertThat(p.excused()).isZero();
    assertThat(p.stalled(BOUND)).isFalse();
  }

  @Test
  void workStillHungAfterAPauseIsStalledOnceItMissedTheBoundInRunningTime() {
    LeaderWatchdog.Progress p = LeaderWatchdog.Progress.start(0);
    long now = 20_000 * MS;
    p = p.checked(0, now, CHECK);
    assertThat(p.stalled(BOUND)).isFalse();
    int checksUntilStalled = 0;
    while (!p.stalled(BOUND)) {
      now += CHECK.toNanos();
      p = p.checked(0, now, CHECK);
      checksUntilStalled++;
    }
    // The first check after the pause is charged one interval, the rest one each: bound / interval + 1 in all.
    assertThat(checksUntilStalled + 1).isEqualTo((int) (BOUND.toNanos() / CHECK.toNanos()) + 1);
  }

  @Test
  void aLateCheckIsExcusedOnlyFromTheLastBeatOnWhenThatCameAfterThePreviousCheck() {
    assertThat(LeaderWatchdog.excusedNanos(0, 0, CHECK.toNanos(), CHECK)).isZero();
    assertThat(LeaderWatchdog.excusedNanos(0, 0, 3 * CHECK.toNanos(), CHECK)).isEqualTo(2 * CHECK.toNanos());
    // The beat came late in the gap: only what lies beyond one interval after it is excused.
    assertThat(LeaderWatchdog.excusedNanos(2 * CHECK.toNanos(), 0, 3 * CHECK.toNanos(), CHECK)).isZero();
    assertThat(LeaderWatchdog.excusedNanos(CHECK.toNanos(), 0, 4 * CHECK.toNanos(), CHECK)).isEqualTo(2 * CHECK.toNanos());
  }

  @Test
  void hungWorkIsReportedOnceWithHowLongAndWhereItIsStuck() throws Exception {
    Duration bound = Duration.ofMillis(300);
    CountDownLatch never = new CountDownLatch(1);
    Thread hung = new Thread(() -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        // ends the test thread
      }
    }, "hung-work");
    hung.setDaemon(true);
    AtomicReference<LeaderWatchdog.Stall> reported = new AtomicReference<>();
    CountDownLatch calls = new CountDownLatch(2);
    LeaderWatchdog watchdog = new LeaderWatchdog(7, bound, () -> true, s -> {
      reported.set(s);
      calls.countDown();
    });
    hung.start();
    watchdog.watch(hung, timer);
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> reported.get() != null);
      LeaderWatchdog.Stall stall = reported.get();
      assertThat(stall.term()).isEqualTo(7);
      assertThat(stall.stuckFor()).isGreaterThan(bound);
      assertThat(stall.thread()).isEqualTo("hung-work");
      assertThat(stall.stackTop()).startsWith("WAITING at jdk.internal.misc.Unsafe.park")
          .contains(" in dev.crawler.master.leadership.LeaderWatchdogTest.lambda$hungWorkIsReportedOnceWithHowLongAndWhereItIsStuck");
      assertThat(stall.describe())
          .contains("term 7").contains("no progress for").contains("(bound 300 ms)").contains("hung-work");
      Thread.sleep(3 * bound.toMillis());
      assertThat(calls.getCount()).as("reported once").isEqualTo(1);
    } finally {
      hung.interrupt();
    }
  }

  @Test
  void workThatBeatsIsNotReportedOverManyBounds() {
    // Time driven by hand: beats every interval (a quarter of the bound), checks every tenth of
    // the bound, each check up to half a check late, over a hundred bounds.
    Duration bound = Duration.ofSeconds(5);
    long beatEvery = bound.dividedBy(4).toNanos();
    long checkEvery = CHECK.toNanos();
    long start = 1_000 * MS;
    LeaderWatchdog.Progress progress = LeaderWatchdog.Progress.start(start);
    long now = start;
    java.util.Random late = new java.util.Random(7);
    while (now < start + 100 * bound.toNanos()) {
      now += checkEvery + late.nextInt((int) (checkEvery / 2 / MS)) * MS;
      long lastBeat = start + (now - start) / beatEvery * beatEvery;
      progress = progress.checked(lastBeat, now, CHECK);
      assertThat(progress.stalled(bound)).as("stalled at %d ms", (now - start) / MS).isFalse();
    }
  }

  @Test
  void workThatBeatsIsNotReportedOnARealTimer() throws Exception {
    // At least 2 s: on a busy machine a beat or a check may be late by hundreds of milliseconds.
    Duration bound = Duration.ofSeconds(2);
    AtomicBoolean stalled = new AtomicBoolean();
    LeaderWatchdog watchdog = new LeaderWatchdog(1, bound, () -> true, s -> stalled.set(true));
    Thread worker = new Thread(() -> {
      try {
        while (true) {
          watchdog.beat();
          Thread.sleep(watchdog.interval().toMillis());
        }
      } catch (InterruptedException e) {
        // stop
      }
    }, "beating-work");
    worker.setDaemon(true);
    worker.start();
    watchdog.watch(worker, timer);
    try {
      Thread.sleep(3 * bound.toMillis());
      assertThat(stalled).isFalse();
    } finally {
      watchdog.close();
      worker.interrupt();
    }
  }

  @Test
  void hungWorkIsNotReportedWhileTheLeaseIsNotValid() throws Exception {
    Duration bound = Duration.ofMillis(200);
    AtomicBoolean leaseValid = new AtomicBoolean(false);
    AtomicBoolean stalled = new AtomicBoolean();
    LeaderWatchdog watchdog = new LeaderWatchdog(1, bound, leaseValid::get, s -> stalled.set(true));
    watchdog.watch(Thread.currentThread(), timer);
    Thread.sleep(5 * bound.toMillis());
    assertThat(stalled).as("etcd unreachable: the lease clock's business").isFalse();
    leaseValid.set(true);
    await().atMost(Duration.ofSeconds(30)).untilTrue(stalled);
  }
}
