package dev.crawler.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

  @Test
  void nearestRankPicksAMeasuredValue() {
    Stats s = Stats.of(List.of(15.0, 20.0, 35.0, 40.0, 50.0));

    assertThat(s.p50()).isEqualTo(35.0); // rank ceil(0.5 * 5) = 3
    assertThat(s.p99()).isEqualTo(50.0); // rank ceil(0.99 * 5) = 5
    assertThat(s.max()).isEqualTo(50.0);
    assertThat(s.min()).isEqualTo(15.0);
    assertThat(s.n()).isEqualTo(5);
    assertThat(s.mean()).isEqualTo(32.0);
  }

  @Test
  void orderOfSamplesDoesNotMatter() {
    List<Double> values = new ArrayList<>();
    for (int i = 1; i <= 200; i++) {
      values.add((double) i);
    }
    Collections.shuffle(values, new java.util.Random(7));

    Stats s = Stats.of(values);

    assertThat(s.p50()).isEqualTo(100.0); // rank 100
    assertThat(s.p99()).isEqualTo(198.0); // rank 198
    assertThat(s.max()).isEqualTo(200.0);
  }

  @Test
  void evenCountMedianIsTheLowerMiddleValue() {
    assertThat(Stats.of(List.of(4.0, 1.0, 3.0, 2.0)).p50()).isEqualTo(2.0);
  }

  @Test
  void fewerThanHundredSamplesMakeP99TheMaximum() {
    assertThat(Stats.of(List.of(1.0, 2.0, 900.0)).p99()).isEqualTo(900.0);
  }

  @Test
  void singleSampleIsEveryPercentile() {
    Stats s = Stats.of(List.of(7.25));
    assertThat(s.p50()).isEqualTo(7.25);
    assertThat(s.p99()).isEqualTo(7.25);
  }

  @Test
  void emptySampleIsRejected() {
    assertThatThrownBy(() -> Stats.of(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void jsonRoundsToTenthOfAMillisecond() {
    assertThat(Stats.of(List.of(12.345)).toJson())
        .containsEntry("p50", 12.3)
        .containsEntry("p99", 12.3)
        .containsEntry("max", 12.3)
        .containsEntry("n", 1);
  }
}
