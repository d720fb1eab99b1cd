package dev.crawler.master.leadership;

import dev.crawler.master.leadership.LeaderWatchdog;
import dev.crawler.master.leadership.LeadershipLoop;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A term ends for exactly one reason, and only a stall that ended it marks the replica stalled. */
class StepDownTest {
  private static final LeaderWatchdog.Stall STALL =
      new LeaderWatchdog.Stall(7, Duration.ofSeconds(6), Duration.ofSeconds(5), "leader-work-term-7", "Object.wait");

  @Test
  void aStepDownThatWinsTheRaceWithTheWatchdogDoesNotMarkTheReplicaStalled() {
    CompletableFuture<LeadershipLoop.StepDown> stepDown = new CompletableFuture<>();
    stepDown.complete(LeadershipLoop.StepDown.because("lease lost: keep-alive failed"));

    boolean counted = LeadershipLoop.stepDownStalled(stepDown, STALL);

    assertThat(counted).isFalse();
    assertThat(stepDown.join().stall()).isEmpty();
    assertThat(stepDown.join().why()).isEqualTo("lease lost: keep-alive failed");
  }

  @Test
  void aStallThatEndsTheTermFirstIsWhatTheTermEndsWith() {
    CompletableFuture<LeadershipLoop.StepDown> stepDown = new CompletableFuture<>();

    boolean counted = LeadershipLoop.stepDownStalled(stepDown, STALL);
    stepDown.complete(LeadershipLoop.StepDown.because("observed a later leader m1 (term 9)"));

    assertThat(counted).isTrue();
    assertThat(stepDown.join().stall()).contains(STALL);
    assertThat(stepDown.join().why()).isEqualTo("leader work stalled for 6000 ms");
  }

  @Test
  void whenBothRaceTheTermCarriesAStallExactlyWhenTheWatchdogWasToldItCounted() throws Exception {
    for (int round = 0; round < 500; round++) {
      CompletableFuture<LeadershipLoop.StepDown> stepDown = new CompletableFuture<>();
      CountDownLatch go = new CountDownLatch(1);
      AtomicBoolean counted = new AtomicBoolean();
      Thread watchdog = new Thread(() -> {
        await(go);
        counted.set(LeadershipLoop.stepDownStalled(stepDown, STALL));
      });
      Thread leaseLost = new Thread(() -> {
        await(go);
        stepDown.complete(LeadershipLoop.StepDown.because("lease lost"));
      });
      watchdog.start();
      leaseLost.start();
      go.countDown();
      watchdog.join();
      leaseLost.join();
      assertThat(stepDown.join().stall().isPresent()).as("round %d", round).isEqualTo(counted.get());
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
