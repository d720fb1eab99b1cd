package dev.crawler.testing;

import dev.crawler.api.KeyLayout;
import dev.crawler.election.Election;
import dev.crawler.election.Candidate;
import dev.crawler.election.CandidateInfo;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd plus N master processes sharing one key prefix, and a jetcd client for looking at
 * etcd directly (the source of truth, rather than what replicas say about themselves).
 */
public final class TestingMasterCluster implements AutoCloseable {
  private final TestingEtcd etcd;
  private final Client client;
  private final KeyLayout layout;
  private final int leaseTtlSeconds;
  private final List<String> masterArgs;
  private final List<TestingMasterProcess> masters = new ArrayList<>();

  private TestingMasterCluster(TestingEtcd etcd, KeyLayout layout, int leaseTtlSeconds, List<String> masterArgs) {
    this.etcd = etcd;
    this.layout = layout;
    this.leaseTtlSeconds = leaseTtlSeconds;
    this.masterArgs = List.copyOf(masterArgs);
    this.client = Client.builder().endpoints(etcd.endpoint()).build();
  }

  /** Starts etcd and {@code replicas} masters named {@code m-0..}, and waits until all are ready. */
  public static TestingMasterCluster start(int replicas, int leaseTtlSeconds) throws Exception {
    return start(replicas, leaseTtlSeconds, List.of());
  }

  /** Like {@link #start(int, int)}; every master gets {@code masterArgs} as extra flags. */
  public static TestingMasterCluster start(int replicas, int leaseTtlSeconds, List<String> masterArgs)
      throws Exception {
    TestingMasterCluster cluster =
        new TestingMasterCluster(
            TestingEtcd.startNew(), new KeyLayout("/crawler/test/cluster"), leaseTtlSeconds, masterArgs);
    try {
      for (int i = 0; i < replicas; i++) {
        cluster.startMaster("m-" + i);
      }
      for (TestingMasterProcess m : cluster.masters) {
        m.awaitReady(Duration.ofSeconds(60));
      }
      return cluster;
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
  }

  public TestingMasterProcess startMaster(String id) throws Exception {
    return startMaster(id, List.of());
  }

  /** Starts a master with the cluster's flags and {@code moreFlags}; does not wait for it. */
  public TestingMasterProcess startMaster(String id, List<String> moreFlags) throws Exception {
    List<String> flags = new ArrayList<>(masterArgs);
    flags.addAll(moreFlags);
    TestingMasterProcess m =
        TestingMasterProcess.start(id, etcd.endpoint(), layout.prefix(), leaseTtlSeconds, flags);
    masters.add(m);
    return m;
  }

  /**
   * Starts replica {@code id} again in a new process (same id, new port), as a kubelet restarts a
   * crashed container; the old process must have exited. Does not wait for it.
   */
  public TestingMasterProcess restartMaster(String id) throws Exception {
    TestingMasterProcess old = master(id);
    old.awaitExit(Duration.ofSeconds(20));
    masters.remove(old);
    return startMaster(id);
  }

  public TestingEtcd etcd() {
    return etcd;
  }

  public Client client() {
    return client;
  }

  public KeyLayout layout() {
    return layout;
  }

  public List<TestingMasterProcess> masters() {
    return masters;
  }

  public TestingMasterProcess master(String id) {
    return masters.stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow();
  }

  /** Who leads according to etcd's election; empty when nobody does. */
  public Optional<Candidate> leaderInEtcd() throws Exception {
    return new Election(client, layout.election()).leader().get(2, TimeUnit.SECONDS)
        .filter(l -> l.info().isPresent());
  }

  /** Polls etcd every few ms until {@code accept} holds for its leader; returns that leader. */
  public Candidate awaitLeaderInEtcd(Duration timeout, java.util.function.Predicate<Candidate> accept)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Candidate> leader = leaderInEtcd();
      if (leader.isPresent() && accept.test(leader.get())) {
        return leader.get();
      }
      Thread.sleep(2);
    }
    throw new AssertionError("no matching leader in etcd within " + timeout);
  }

  public TestingMasterProcess leaderProcess() throws Exception {
    CandidateInfo info = leaderInEtcd().orElseThrow().info().orElseThrow();
    return master(info.id());
  }

  public TestingWorker registerWorker(String id) throws Exception {
    return TestingWorker.register(client, layout, id, leaseTtlSeconds);
  }

  @Override
  public void close() throws Exception {
    for (TestingMasterProcess m : masters) {
      m.close();
    }
    client.close();
    etcd.close();
  }
}
