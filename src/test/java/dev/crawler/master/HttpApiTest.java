package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crawler.api.MasterPaths;
import dev.crawler.election.Candidate;
import dev.crawler.testing.TestingMasterCluster;
import dev.crawler.testing.TestingMasterProcess;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The HTTP API of a leader and a follower, as real processes. */
@Tag("process")
@Tag("etcd")
class HttpApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TestingMasterCluster cluster;
  private static TestingMasterProcess leader;
  private static TestingMasterProcess follower;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestingMasterCluster.start(2, 2);
    Candidate l = cluster.awaitLeaderInEtcd(Duration.ofSeconds(20), x -> true);
    leader = cluster.master(l.id());
    follower = cluster.masters().stream().filter(m -> m != leader).findFirst().orElseThrow();
    cluster.registerWorker("w1");
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  private static String error(TestingMasterProcess.Response r) throws Exception {
    return JSON.readTree(r.body()).path("error").asText();
  }

  @Test
  void writeSentToAFollowerIsServedByTheLeader() throws Exception {
    var created = follower.post(MasterPaths.RESOURCES, "{\"name\":\"via-follower\",\"url\":\"https://example.com/f\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.servedBy()).isEqualTo(leader.id());
    JsonNode body = JSON.readTree(created.body());
    assertThat(body.path("worker").asText()).isEqualTo("w1");

    var list = follower.get(MasterPaths.RESOURCES);
    assertThat(list.servedBy()).isEqualTo(leader.id());
    assertThat(list.body()).contains("via-follower");

    var deleted = follower.delete(MasterPaths.resource("via-follower"));
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(deleted.servedBy()).isEqualTo(leader.id());
    assertThat(follower.delete(MasterPaths.resource("via-follower")).status()).isEqualTo(404);
  }

  @Test
  void aForwardedWriteThatReachesTheLeaderAfterItsDeadlineIsRefusedAndNotApplied() throws Exception {
    String body = "{\"name\":\"late\",\"url\":\"https://example.com/late\"}";
    var late = leader.request("POST", MasterPaths.RESOURCES, body, "Content-Type", "application/json",
        MasterPaths.FORWARDED_BY_HEADER, follower.id(),
        MasterPaths.FORWARD_DEADLINE_HEADER, Long.toString(System.currentTimeMillis() - 2000));
    assertThat(late.status()).as(late.body()).isEqualTo(503);
    assertThat(error(late)).contains("after the forwarding replica gave up on it; not applied");
    assertThat(leader.get(MasterPaths.RESOURCES).body()).doesNotContain("\"late\"");

    var inTime = leader.request("POST", MasterPaths.RESOURCES, body, "Content-Type", "application/json",
        MasterPaths.FORWARDED_BY_HEADER, follower.id(),
        MasterPaths.FORWARD_DEADLINE_HEADER, Long.toString(System.currentTimeMillis() + 5000));
    assertThat(inTime.status()).as(inTime.body()).isEqualTo(201);
    assertThat(leader.delete(MasterPaths.resource("late")).status()).isEqualTo(204);
  }

  @Test
  void healthReadinessAndWorkersAreAnsweredLocally() throws Exception {
    for (TestingMasterProcess m : cluster.masters()) {
      assertThat(m.get(MasterPaths.HEALTHZ).status()).isEqualTo(200);
      assertThat(m.get(MasterPaths.READYZ).status()).isEqualTo(200);
      var workers = m.get(MasterPaths.WORKERS);
      assertThat(workers.status()).isEqualTo(200);
      assertThat(workers.servedBy()).isEqualTo(m.id());
      assertThat(JSON.readTree(workers.body()).get(0).path("id").asText()).isEqualTo("w1");
    }
  }

  @Test
  void badRequestsGet4xxWithAReasonFromLeaderAndFollower() throws Exception {
    for (TestingMasterProcess m : cluster.masters()) {
      var notJson = m.post(MasterPaths.RESOURCES, "{nope");
      assertThat(notJson.status()).isEqualTo(400);
      assertThat(error(notJson)).contains("not valid JSON");

      var missing = m.post(MasterPaths.RESOURCES, "{\"url\":\"https://example.com\"}");
      assertThat(missing.status()).isEqualTo(400);
      assertThat(error(missing)).contains("missing field 'name'");

      var badName = m.post(MasterPaths.RESOURCES, "{\"name\":\"Not_A_Label\",\"url\":\"https://example.com\"}");
      assertThat(badName.status()).isEqualTo(400);
      assertThat(error(badName)).contains("invalid name");

      var badUrl = m.post(MasterPaths.RESOURCES, "{\"name\":\"ok\",\"url\":\"ftp://example.com\"}");
      assertThat(badUrl.status()).isEqualTo(400);
      assertThat(error(badUrl)).contains("http or https");

      var credentials = m.post(MasterPaths.RESOURCES, "{\"name\":\"ok\",\"url\":\"https://u:pw@example.com/\"}");
      assertThat(credentials.status()).isEqualTo(400);
      assertThat(error(credentials)).contains("credentials in the URL");

      var metadata = m.post(MasterPaths.RESOURCES, "{\"name\":\"ok\",\"url\":\"http://169.254.169.254/\"}");
      assertThat(metadata.status()).isEqualTo(400);
      assertThat(error(metadata)).contains("--allow-private-targets");

      var tooLarge = m.post(MasterPaths.RESOURCES, "{\"name\":\"" + "a".repeat(70_000) + "\"}");
      assertThat(tooLarge.status()).isEqualTo(413);

      var wrongMethod = m.request("PUT", MasterPaths.RESOURCES, "{}");
      assertThat(wrongMethod.status()).isEqualTo(405);
      assertThat(error(wrongMethod)).contains("not allowed");
      assertThat(m.request("POST", MasterPaths.HEALTHZ, "").status()).isEqualTo(405);
      assertThat(m.request("GET", MasterPaths.resource("x"), null).status()).isEqualTo(405);

      var unknown = m.get("/api/v1/nothing-here");
      assertThat(unknown.status()).isEqualTo(404);
      assertThat(error(unknown)).contains("no such path");
    }
  }

  @Test
  void duplicateIsAConflictAndUnknownDeleteIsNotFound() throws Exception {
    String body = "{\"name\":\"dup\",\"url\":\"http://example.com/dup\"}";
    assertThat(leader.post(MasterPaths.RESOURCES, body).status()).isEqualTo(201);
    var again = follower.post(MasterPaths.RESOURCES, body);
    assertThat(again.status()).isEqualTo(409);
    assertThat(error(again)).contains("already exists");
    var missing = leader.delete(MasterPaths.resource("never-created"));
    assertThat(missing.status()).isEqualTo(404);
    assertThat(error(missing)).contains("no resource named");
  }
}
