package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ForwardDeadlineTest {

  @Test
  void aRequestArrivingByItsDeadlineIsServedAndOneArrivingAfterIsNot() {
    String header = ForwardDeadline.header(10_000, Duration.ofSeconds(5));
    assertThat(header).isEqualTo("15000");
    assertThat(ForwardDeadline.expired(header, 14_999)).isEmpty();
    assertThat(ForwardDeadline.expired(header, 15_000)).isEmpty();
    assertThat(ForwardDeadline.expired(header, 15_250)).hasValue(
        "the forwarded request arrived 250 ms after the forwarding replica gave up on it; not applied");
  }

  @Test
  void aClientsOwnRequestOrAnUnreadableHeaderHasNoDeadline() {
    assertThat(ForwardDeadline.expired(null, Long.MAX_VALUE)).isEmpty();
    assertThat(ForwardDeadline.expired("soon", Long.MAX_VALUE)).isEmpty();
  }
}
