package dev.crawler.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingMasterProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The level knob on a real master process: its whole output, from the first line on. */
@Tag("process")
class LogLevelProcessTest {

  private static String logOfAReadyLeader(TestingEtcd etcd, String id, List<String> flags) throws Exception {
    try (TestingMasterProcess m =
        TestingMasterProcess.start(id, etcd.endpoint(), "/log-level-test/" + id, 2, flags)) {
      m.awaitReady(Duration.ofSeconds(30));
      m.signal("TERM");
      m.awaitExit(Duration.ofSeconds(20));
      return m.log();
    }
  }

  @Test
  void warnLeavesNoInfoLineWhileTheDefaultHasThem() throws Exception {
    try (TestingEtcd etcd = TestingEtcd.startNew()) {
      assertThat(logOfAReadyLeader(etcd, "default", List.of())).contains("[INFO]");
      String warn = logOfAReadyLeader(etcd, "quiet", List.of("--log-level=warn"));
      assertThat(warn).doesNotContain("[INFO]").doesNotContain("[DEBUG]");
    }
  }

  @Test
  void debugAddsDebugLines() throws Exception {
    try (TestingEtcd etcd = TestingEtcd.startNew()) {
      assertThat(logOfAReadyLeader(etcd, "default", List.of())).doesNotContain("[DEBUG]");
      assertThat(logOfAReadyLeader(etcd, "verbose", List.of("--log-level", "debug")))
          .contains("[DEBUG]")
          .contains("[INFO]");
    }
  }

  @Test
  void anUnknownLevelExitsWithAUsageErrorNamingIt() throws Exception {
    try (TestingEtcd etcd = TestingEtcd.startNew();
        TestingMasterProcess m =
            TestingMasterProcess.start("bad", etcd.endpoint(), "/log-level-test/bad", 2, List.of("--log-level=loud"))) {
      assertThat(m.awaitExit(Duration.ofSeconds(20))).isEqualTo(2);
      assertThat(m.log()).contains("invalid --log-level 'loud'");
    }
  }
}
