package dev.crawler.testing;

import java.nio.file.Path;

/**
 * The promtool that {@code hack/provision-tools.sh} builds from the Prometheus Go module
 * ({@code make tools}); the version is read from that script, as {@link TestingHelm}'s is.
 */
public final class TestingPromtool {
  private TestingPromtool() {}

  public static String version() {
    return TestingHelm.pinnedVersion("PROMTOOL_VERSION");
  }

  public static Path binary() {
    return TestingHelm.toolBinary("promtool", version());
  }

  /**
   * The PodMonitor and PrometheusRule CRDs hack/provision-tools.sh generates from prometheus-operator's
   * Go types, for dry runs of deploy/monitoring/; applied (server-side, idempotent) to {@code api}
   * and waited for until established.
   */
  public static void installMonitoringCrds(TestingKubeApiServer api) {
    String version = TestingHelm.pinnedVersion("MONITORING_API_VERSION");
    java.nio.file.Path dir = TestingHelm.toolBinary("monitoring-crds", version);
    api.kubectl("apply", "--server-side", "-f", dir.toString()).assertSuccess();
    api.kubectl("wait", "--for=condition=Established", "--timeout=60s",
        "crd/podmonitors.monitoring.coreos.com", "crd/prometheusrules.monitoring.coreos.com").assertSuccess();
  }

  /** Runs {@code promtool args...} in {@code dir} and waits up to 60 s. */
  public static TestingHelm.Result promtool(Path dir, String... args) {
    return TestingHelm.runIn(dir, binary().toString(), args);
  }
}
