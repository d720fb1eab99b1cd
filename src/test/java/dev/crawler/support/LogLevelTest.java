package dev.crawler.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogLevelTest {

  @Test
  void theFlagWinsOverTheEnvironmentInEitherSpelling() {
    assertThat(LogLevel.choose(List.of("master", "--log-level=WARN"), Map.of(LogLevel.ENV, "debug")))
        .contains(new LogLevel.Choice("warn", LogLevel.FLAG));
    assertThat(LogLevel.choose(List.of("operator", "--log-level", "trace"), Map.of()))
        .contains(new LogLevel.Choice("trace", LogLevel.FLAG));
  }

  @Test
  void theEnvironmentAppliesWithoutAFlagAndNothingMeansTheDefault() {
    assertThat(LogLevel.choose(List.of("master"), Map.of(LogLevel.ENV, "error")))
        .contains(new LogLevel.Choice("error", LogLevel.ENV));
    assertThat(LogLevel.choose(List.of("master"), Map.of())).isEmpty();
    assertThat(LogLevel.choose(List.of("master"), Map.of(LogLevel.ENV, " "))).isEmpty();
  }

  @Test
  void argumentsAfterADoubleDashAreNotRead() {
    assertThat(LogLevel.choose(List.of("master", "--", "--log-level=debug"), Map.of())).isEmpty();
  }

  @Test
  void anUnknownLevelIsRefusedNamingTheAcceptedOnes() {
    assertThatThrownBy(() -> LogLevel.choose(List.of("--log-level=verbose"), Map.of()))
        .hasMessage("invalid --log-level 'verbose': use one of error, warn, info, debug, trace");
    assertThatThrownBy(() -> LogLevel.choose(List.of(), Map.of(LogLevel.ENV, "loud")))
        .hasMessageContaining("invalid " + LogLevel.ENV + " 'loud'");
  }
}
