package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crawler.api.MasterEnv;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeadLeaderDetectorsTest {
  @Test
  void bothDetectorsAreOnByDefault() throws Exception {
    assertThat(DeadLeaderDetectors.resolve(null, null, Map.of())).isEqualTo(DeadLeaderDetectors.ALL);
  }

  @Test
  void flagsWinOverEnvironment() throws Exception {
    Map<String, String> env = Map.of(MasterEnv.PROBE_LEADER, "false", MasterEnv.REVOKE_PREVIOUS_LEASE, "false");
    assertThat(DeadLeaderDetectors.resolve(null, null, env)).isEqualTo(new DeadLeaderDetectors(false, false));
    assertThat(DeadLeaderDetectors.resolve("true", null, env)).isEqualTo(new DeadLeaderDetectors(true, false));
  }

  @Test
  void anythingButTrueOrFalseIsRejectedWithTheSettingsName() {
    assertThatThrownBy(() -> DeadLeaderDetectors.resolve("yes", null, Map.of()))
        .hasMessageContaining("--probe-leader").hasMessageContaining(MasterEnv.PROBE_LEADER);
  }
}
