package dev.crawler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hack/e2e.sh's results file, written by the sourced script itself (needs bash and jq): each step's
 * values keep their JSON types (an IP address is a string, not a number), a step that did not run is
 * recorded as failed, and the file has the shape the README and CI read.
 */
class E2eResultsTest {
  private static final Path SCRIPT = Path.of(System.getProperty("project.basedir", ".")).resolve("hack/e2e.sh");

  @TempDir Path out;

  private JsonNode run(String snippet) throws Exception {
    String script = "source " + SCRIPT + "\nE2E_OUT=" + out + "\nmkdir -p \"${E2E_OUT}/steps\"\n" + snippet;
    Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return new ObjectMapper().readTree(Files.readString(out.resolve("results.json")));
  }

  @Test
  void stepValuesKeepTheirTypesAndStepsThatDidNotRunAreFailures() throws Exception {
    JsonNode results = run(String.join("\n",
        "CURRENT_STEP=pod_delete_failover result ok=true ms=1124 etcd_ms=797 old_leader=demo-2 term=8",
        "CURRENT_STEP=follower_forwards result ok=true follower_ip=10.88.0.13 status=200 served_by=demo-2",
        "CURRENT_STEP=etcd_restart result ok=true transitions='True True,False False,True True' negative=-3",
        "write_results local '{\"ref\":\"docker.io/library/crawler-master:e2e\",\"built_with\":\"buildah bud\"}'"));

    assertThat(results.get("cluster").asText()).isEqualTo("local");
    assertThat(results.get("image").get("built_with").asText()).isEqualTo("buildah bud");
    JsonNode steps = results.get("steps");
    assertThat(steps.fieldNames()).toIterable().containsExactly(
        "pss_admission", "leader_published", "service_routes_to_leader", "follower_forwards",
        "pod_delete_failover", "container_kill_failover", "operator_failover", "etcd_restart", "scale",
        "workers_crawl_through_failover", "helm_takes_over_install", "cr_delete_gc");

    JsonNode podDelete = steps.get("pod_delete_failover");
    assertThat(podDelete.get("ok").isBoolean()).isTrue();
    assertThat(podDelete.get("ok").asBoolean()).isTrue();
    assertThat(podDelete.get("ms").isIntegralNumber()).isTrue();
    assertThat(podDelete.get("ms").asLong()).isEqualTo(1124);
    assertThat(podDelete.get("old_leader").asText()).isEqualTo("demo-2");

    JsonNode forwards = steps.get("follower_forwards");
    assertThat(forwards.get("follower_ip").isTextual()).as("an IP address stays a string").isTrue();
    assertThat(forwards.get("follower_ip").asText()).isEqualTo("10.88.0.13");
    assertThat(forwards.get("status").asInt()).isEqualTo(200);

    assertThat(steps.get("etcd_restart").get("transitions").asText()).isEqualTo("True True,False False,True True");
    assertThat(steps.get("etcd_restart").get("negative").asInt()).isEqualTo(-3);

    for (String notRun : List.of("pss_admission", "scale", "cr_delete_gc")) {
      assertThat(steps.get(notRun).get("ok").asBoolean()).as(notRun).isFalse();
    }
  }
}
