package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.KeyLayout;
import dev.crawler.api.MasterPaths;
import dev.crawler.election.Election;
import dev.crawler.election.ElectionState;
import dev.crawler.etcd.EtcdCredentials;
import dev.crawler.etcd.EtcdFailure;
import dev.crawler.support.Json;
import dev.crawler.election.Candidate;
import dev.crawler.operator.etcd.ElectionEventSource;
import dev.crawler.operator.etcd.EtcdClients;
import dev.crawler.etcd.Backoff;
import dev.crawler.testing.TestingCertificates;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingEtcdAuth;
import dev.crawler.testing.TestingMasterProcess;
import dev.crawler.testing.TestingWorker;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.options.GetOption;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Production etcd: TLS with client certificates, authentication on, and each cluster's user
 * holding a role with readwrite on its own key prefix only (the operator's user: read on both).
 * Users and roles are made through etcd's real Auth API; the masters are real processes given
 * their material as files.
 */
@Tag("process")
@Tag("etcd")
class SecuredEtcdMasterTest {
  private static final int TTL = 2;
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final KeyLayout A = new KeyLayout("/crawler/a");
  private static final KeyLayout B = new KeyLayout("/crawler/b");

  private static TestingCertificates certs;
  private static TestingEtcd etcd;
  private static Client root;
  private static Path secrets;

  private final List<AutoCloseable> running = new ArrayList<>();

  @BeforeAll
  static void securedEtcd() throws Exception {
    certs = TestingCertificates.newCa("etcd-ca").client("root").client("crawler-a").client("crawler-b").client("operator");
    etcd = TestingEtcd.startWithTls(certs);
    try (Client setup = connect("root", null, null)) {
      TestingEtcdAuth.withRoot(setup)
          .user("crawler-a", "pass-a", Permission.Type.READWRITE, A.prefix() + "/")
          .user("crawler-b", "pass-b", Permission.Type.READWRITE, B.prefix() + "/")
          .user("operator", "pass-op", Permission.Type.READ, A.prefix() + "/", B.prefix() + "/")
          .enable();
    }
    root = connect("root", TestingEtcdAuth.ROOT, TestingEtcdAuth.ROOT_PASSWORD);
    secrets = Files.createTempDirectory("etcd-passwords");
    for (String[] user : new String[][] {{"crawler-a", "pass-a"}, {"crawler-b", "pass-b"}}) {
      // As a Secret volume holds it: the value with a trailing newline, which is not part of it.
      Files.writeString(secrets.resolve(user[0]), user[1] + "\n");
    }
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    root.close();
    etcd.close();
    certs.close();
  }

  @AfterEach
  void stopProcesses() throws Exception {
    for (AutoCloseable c : running) {
      c.close();
    }
  }

  @Test
  void aClusterElectsFencesAndAssignsWithinItsPrefixRoleAndTheOperatorReadsItsLeader() throws Exception {
    TestingMasterProcess m0 = master("a-0", "crawler-a", A);
    TestingMasterProcess m1 = master("a-1", "crawler-a", A);
    m0.awaitReady(TIMEOUT);
    m1.awaitReady(TIMEOUT);
    Candidate first = awaitLeader(A, l -> true);

    // Fenced leader writes: the leader assigns a resource to a worker, all under /crawler/a/.
    running.add(TestingWorker.register(root, A, "w1", TTL));
    TestingMasterProcess follower = first.id().equals("a-0") ? m1 : m0;
    assertThat(follower.post(MasterPaths.RESOURCES, MasterFailoverTest.resource("r1")).status()).isEqualTo(201);
    await().atMost(TIMEOUT).until(() -> MasterFailoverTest.assignmentInEtcd(root, A), a -> "w1".equals(a.get("r1")));

    // The leader dies; the other takes over in a later term and keeps assigning, still fenced.
    (first.id().equals("a-0") ? m0 : m1).signal("KILL");
    Candidate next = awaitLeader(A, l -> l.term() > first.term());
    assertThat(next.id()).isEqualTo(follower.id());
    // etcd names it before its campaign call returns; until it acts as leader it answers 503.
    await().atMost(TIMEOUT).until(() -> Json.MAPPER.readTree(follower.get(MasterPaths.LEADER).body())
        .path("role").asText().equals("leader"));
    assertThat(follower.post(MasterPaths.RESOURCES, MasterFailoverTest.resource("r2")).status()).isEqualTo(201);
    await().atMost(TIMEOUT).until(() -> MasterFailoverTest.assignmentInEtcd(root, A), a -> "w1".equals(a.get("r2")));

    // The operator's view, with its own certificate and a read-only role.
    EtcdCredentials operator = credentials("operator", "operator", "pass-op".getBytes(StandardCharsets.UTF_8));
    ElectionEventSource watch = new ElectionEventSource(
        new EtcdClients(), Clock.systemUTC(), Backoff.DEFAULT, Duration.ofSeconds(3), Duration.ofSeconds(10));
    try {
      ResourceID id = new ResourceID("a", "ns");
      watch.ensureWatching(id, List.of(etcd.endpoint()), A, operator, () -> true);
      ElectionState seen = await().atMost(TIMEOUT).until(() -> watch.observation(id).orElse(null),
          s -> s != null && s.hasLeader() && s.term() == next.term());
      assertThat(seen.leader().orElseThrow().id()).isEqualTo(follower.id());
    } finally {
      watch.stop();
    }
  }

  @Test
  void clusterACredentialsCannotReadOrWriteClusterBKeys() throws Exception {
    TestingMasterProcess b0 = master("b-0", "crawler-b", B).awaitReady(TIMEOUT);
    Candidate leaderOfB = awaitLeader(B, l -> true);
    List<String> keysOfB = keys(B);

    // A replica given cluster A's user but cluster B's prefix.
    TestingMasterProcess intruder = master("a-intruder", "crawler-a", B);
    await().atMost(TIMEOUT).until(() -> intruder.log().contains(
        "left the campaign: campaign failed: etcd denied permission on the keys (etcdserver: permission denied)"));
    assertThat(intruder.tryGet(MasterPaths.READYZ).map(TestingMasterProcess.Response::status)).hasValue(503);
    assertThat(intruder.isAlive()).as("it retries rather than exiting").isTrue();

    // The same, straight through jetcd: neither a read nor a write of B's keys gets through.
    try (Client a = connect("crawler-a", "crawler-a", "pass-a")) {
      ByteSequence key = ByteSequence.from(B.election() + "/x", StandardCharsets.UTF_8);
      assertThatThrownBy(() -> a.getKVClient().get(key).get(10, TimeUnit.SECONDS))
          .satisfies(e -> assertThat(EtcdFailure.of(e).kind()).isEqualTo(EtcdFailure.Kind.PERMISSION_DENIED));
      assertThatThrownBy(() -> a.getKVClient().put(key, key).get(10, TimeUnit.SECONDS))
          .satisfies(e -> assertThat(EtcdFailure.of(e).kind()).isEqualTo(EtcdFailure.Kind.PERMISSION_DENIED));
    }

    assertThat(awaitLeader(B, l -> true)).isEqualTo(leaderOfB);
    assertThat(keys(B)).isEqualTo(keysOfB);
    assertThat(b0.tryGet(MasterPaths.READYZ).map(TestingMasterProcess.Response::status)).hasValue(200);
  }

  @Test
  void aWrongPasswordIsLoggedOnceWhileTheReplicaRetriesNotReady() throws Exception {
    Path wrong = Files.writeString(secrets.resolve("wrong"), "not-the-password");
    TestingMasterProcess m = TestingMasterProcess.start("a-wrong", etcd.endpoint(), A.prefix(), TTL, List.of(
        "--etcd-ca-file", certs.ca().toString(),
        "--etcd-cert-file", certs.cert("crawler-a").toString(),
        "--etcd-key-file", certs.key("crawler-a").toString(),
        "--etcd-username", "crawler-a",
        "--etcd-password-file", wrong.toString()));
    running.add(m);
    // Several failed attempts (the metrics count them), one log line for their one cause.
    await().atMost(TIMEOUT).until(() -> failedLeaseGrants(m) >= 3);
    assertThat(m.log().lines().filter(l -> l.contains("etcd refused the user name or password")).count()).isEqualTo(1);
    assertThat(m.tryGet(MasterPaths.READYZ).map(TestingMasterProcess.Response::status)).hasValue(503);
    assertThat(m.isAlive()).isTrue();
  }

  private static double failedLeaseGrants(TestingMasterProcess m) throws Exception {
    return m.tryGet(MasterPaths.METRICS).map(r -> r.body().lines()
            .filter(l -> l.startsWith("crawler_master_etcd_errors_total{") && l.contains("operation=\"lease_grant\""))
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum())
        .orElse(0.0);
  }

  private TestingMasterProcess master(String id, String user, KeyLayout layout) throws Exception {
    // The key as PKCS#1, as some issuers write it: the master converts it.
    TestingMasterProcess m = TestingMasterProcess.start(id, etcd.endpoint(), layout.prefix(), TTL, List.of(
        "--etcd-ca-file", certs.ca().toString(),
        "--etcd-cert-file", certs.cert(user).toString(),
        "--etcd-key-file", certs.pkcs1Key(user).toString(),
        "--etcd-username", user,
        "--etcd-password-file", secrets.resolve(user).toString()));
    running.add(m);
    return m;
  }

  private static Candidate awaitLeader(KeyLayout layout, java.util.function.Predicate<Candidate> accept) {
    Election election = new Election(root, layout.election());
    return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(20)).until(
        () -> election.leader().get(5, TimeUnit.SECONDS).filter(l -> l.info().isPresent()).orElse(null),
        l -> l != null && accept.test(l));
  }

  /** Every key under the cluster's prefix with its value and revisions: what a write would change. */
  private static List<String> keys(KeyLayout layout) throws Exception {
    return root.getKVClient()
        .get(ByteSequence.from(layout.prefix() + "/", StandardCharsets.UTF_8), GetOption.builder().isPrefix(true).build())
        .get(10, TimeUnit.SECONDS).getKvs().stream()
        .map(kv -> kv.getKey() + "=" + kv.getValue() + "@" + kv.getCreateRevision() + "/" + kv.getModRevision())
        .toList();
  }

  private static EtcdCredentials credentials(String cn, String user, byte[] password) throws Exception {
    return new EtcdCredentials(Files.readAllBytes(certs.ca()), Files.readAllBytes(certs.cert(cn)),
        Files.readAllBytes(certs.key(cn)), user, password);
  }

  private static Client connect(String cn, String user, String password) throws Exception {
    return credentials(cn, user, password == null ? null : password.getBytes(StandardCharsets.UTF_8))
        .connect(List.of(URI.create(etcd.endpoint())), Duration.ofSeconds(2));
  }
}
