package dev.crawler.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class HolderTimelineTest {

  @Test
  void repeatedHolderIsNotAChange() {
    HolderTimeline t = new HolderTimeline();
    long start = System.nanoTime();
    t.observe("a");
    t.observe("a");
    t.observe("");
    t.observe(null);

    assertThat(t.changesBetween(start, Long.MAX_VALUE))
        .extracting(HolderTimeline.Change::holder)
        .containsExactly("a", null);
  }

  @Test
  void awaitFindsFirstOtherHolderAfterTimeZero() throws Exception {
    HolderTimeline t = new HolderTimeline();
    t.observe("a");
    long zero = System.nanoTime();
    t.observe(null);
    t.observe("b");
    t.observe("c");

    HolderTimeline.Change next = t.await(zero, HolderTimeline.anotherThan("a"), Duration.ofSeconds(1));

    assertThat(next.holder()).isEqualTo("b");
    assertThat(next.nanos()).isGreaterThanOrEqualTo(zero);
  }

  @Test
  void awaitWakesOnAChangeFromAnotherThread() throws Exception {
    HolderTimeline t = new HolderTimeline();
    t.observe("a");
    long zero = System.nanoTime();
    new Thread(() -> t.observe("b")).start();

    assertThat(t.await(zero, "b"::equals, Duration.ofSeconds(10)).holder()).isEqualTo("b");
  }

  @Test
  void awaitTimesOutWhenNobodyElseTakesOver() {
    HolderTimeline t = new HolderTimeline();
    t.observe("a");

    assertThatThrownBy(() -> t.await(System.nanoTime(), HolderTimeline.anotherThan("a"), Duration.ofMillis(50)))
        .isInstanceOf(TimeoutException.class);
  }
}
