package dev.crawler.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChaosClientsTest {
  @Test
  void aRetryAfterInSecondsIsWaitedForAtMostTwoSeconds() {
    assertThat(ChaosClients.retryAfterMs("1")).isEqualTo(1000);
    assertThat(ChaosClients.retryAfterMs(" 0 ")).isEqualTo(0);
    assertThat(ChaosClients.retryAfterMs("120")).isEqualTo(2000);
  }

  @Test
  void aRetryAfterThatIsNotSecondsWaitsTheDefaultInsteadOfThrowing() {
    assertThat(ChaosClients.retryAfterMs(null)).isEqualTo(200);
    assertThat(ChaosClients.retryAfterMs("Wed, 21 Oct 2026 07:28:00 GMT")).isEqualTo(200);
    assertThat(ChaosClients.retryAfterMs("-3")).isEqualTo(200);
    assertThat(ChaosClients.retryAfterMs("")).isEqualTo(200);
  }
}
