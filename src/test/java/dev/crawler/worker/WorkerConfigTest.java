package dev.crawler.worker;

import dev.crawler.support.InvalidConfigException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crawler.api.MasterEnv;
import dev.crawler.api.WorkerEnv;
import dev.crawler.master.MasterConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {
  private static WorkerConfig.Flags none() {
    return new WorkerConfig.Flags(null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  @Test
  void thePodEnvironmentTheOperatorSetsIsEnough() throws Exception {
    WorkerConfig c = WorkerConfig.resolve(none(), Map.of(
        MasterEnv.POD_NAME, "demo-workers-1", MasterEnv.POD_IP, "10.88.0.7",
        MasterEnv.ETCD_ENDPOINTS, "http://etcd:2379", MasterEnv.KEY_PREFIX, "/crawler/ns/demo",
        WorkerEnv.OUTPUT_DIR, "/var/lib/crawler/pages", WorkerEnv.CRAWL_DELAY_MILLIS, "0"));
    assertThat(c.id()).isEqualTo("demo-workers-1");
    assertThat(c.advertiseAddress()).isEqualTo("10.88.0.7:8080");
    assertThat(c.layout().prefix()).isEqualTo("/crawler/ns/demo");
    assertThat(c.leaseTtl().toSeconds()).isEqualTo(WorkerConfig.DEFAULT_LEASE_TTL_SECONDS);
    assertThat(c.crawlDelayMillis()).isZero();
    assertThat(c.outputStdout()).isTrue();
    assertThat(c.allowPrivateTargets()).isFalse();
  }

  @Test
  void badValuesNameTheFlagTheVariableAndTheRange() {
    Map<String, String> env = Map.of(MasterEnv.POD_NAME, "w", MasterEnv.ETCD_ENDPOINTS, "http://etcd:2379",
        MasterEnv.KEY_PREFIX, "/crawler/ns/demo", WorkerEnv.MAX_CONCURRENT_RESOURCES, "0");
    assertThatThrownBy(() -> WorkerConfig.resolve(none(), env))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("invalid --max-concurrent-resources (or " + WorkerEnv.MAX_CONCURRENT_RESOURCES
            + ") '0': expected an integer from 1 to 64");
    assertThatThrownBy(() -> WorkerConfig.resolve(none(), Map.of(MasterEnv.POD_NAME, "w")))
        .hasMessage("missing --etcd-endpoints (or " + MasterEnv.ETCD_ENDPOINTS + ")");
  }
}
