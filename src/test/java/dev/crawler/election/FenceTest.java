package dev.crawler.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crawler.testing.TestingEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("etcd")
class FenceTest {
  private static TestingEtcd etcd;
  private static Client client;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = TestingEtcd.startNew();
    client = Client.builder().endpoints(etcd.endpoint()).build();
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    client.close();
    etcd.close();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static LeaderKey win(String election, String id) throws Exception {
    long lease = client.getLeaseClient().grant(2).get(30, TimeUnit.SECONDS).getID();
    return client
        .getElectionClient()
        .campaign(bytes(election), lease, ByteSequence.from(new CandidateInfo(id, "127.0.0.1:1").toJson()))
        .get(5, TimeUnit.SECONDS)
        .getLeader();
  }

  private static String read(String key) throws Exception {
    var kvs = client.getKVClient().get(bytes(key)).get(30, TimeUnit.SECONDS).getKvs();
    return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
  }

  @Test
  void writeWithStaleTermIsRejectedByEtcd() throws Exception {
    String election = "/fence-test/stale/election";
    LeaderKey old = win(election, "old");
    client.getElectionClient().resign(old).get(30, TimeUnit.SECONDS);
    LeaderKey current = win(election, "new");
    assertThat(current.getRevision()).isGreaterThan(old.getRevision());

    AtomicReference<String> rejected = new AtomicReference<>();
    Fence stale = new Fence(client.getKVClient(), old.getKey(), old.getRevision(), () -> true, rejected::set);
    Op put = Op.put(bytes("/fence-test/stale/data"), bytes("from-old"), PutOption.DEFAULT);

    assertThatThrownBy(() -> stale.commit(List.of(), List.of(put), Duration.ofSeconds(2)))
        .isInstanceOf(LeadershipLostException.class);
    assertThat(rejected.get()).contains("term " + old.getRevision());
    assertThat(read("/fence-test/stale/data")).isNull();
    // Once rejected, the fence refuses without asking etcd again.
    assertThatThrownBy(() -> stale.commit(List.of(), List.of(put), Duration.ofSeconds(2)))
        .isInstanceOf(LeadershipLostException.class);
    assertThat(stale.isHeld()).isFalse();

    Fence fresh = new Fence(client.getKVClient(), current.getKey(), current.getRevision(), () -> true, r -> {});
    Op putNew = Op.put(bytes("/fence-test/stale/data"), bytes("from-new"), PutOption.DEFAULT);
    assertThat(fresh.commit(List.of(), List.of(putNew), Duration.ofSeconds(2))).isEqualTo(Fence.Outcome.APPLIED);
    assertThat(read("/fence-test/stale/data")).isEqualTo("from-new");
  }

  @Test
  void writeOfTheSameKeyNameButAnotherTermIsRejected() throws Exception {
    // A lease's key is <election>/<lease hex>; the term, not the key name, identifies the leadership.
    String election = "/fence-test/reused/election";
    LeaderKey key = win(election, "a");
    client.getKVClient().delete(key.getKey()).get(30, TimeUnit.SECONDS);
    client.getKVClient().put(key.getKey(), bytes("{\"id\":\"impostor\"}")).get(30, TimeUnit.SECONDS);

    Fence fence = new Fence(client.getKVClient(), key.getKey(), key.getRevision(), () -> true, r -> {});
    Op put = Op.put(bytes("/fence-test/reused/data"), bytes("x"), PutOption.DEFAULT);
    assertThatThrownBy(() -> fence.commit(List.of(), List.of(put), Duration.ofSeconds(2)))
        .isInstanceOf(LeadershipLostException.class);
    assertThat(read("/fence-test/reused/data")).isNull();
  }

  @Test
  void failedConditionOfTheCallerIsNotALostLeadership() throws Exception {
    String election = "/fence-test/cond/election";
    LeaderKey key = win(election, "a");
    Fence fence = new Fence(client.getKVClient(), key.getKey(), key.getRevision(), () -> true, r -> {});
    var mustNotExist =
        new io.etcd.jetcd.op.Cmp(
            bytes(election), io.etcd.jetcd.op.Cmp.Op.GREATER, io.etcd.jetcd.op.CmpTarget.version(0));
    Op put = Op.put(bytes("/fence-test/cond/data"), bytes("x"), PutOption.DEFAULT);

    assertThat(fence.commit(List.of(mustNotExist), List.of(put), Duration.ofSeconds(2)))
        .isEqualTo(Fence.Outcome.CONDITION_FAILED);
    assertThat(fence.isHeld()).isTrue();
    assertThat(read("/fence-test/cond/data")).isNull();
  }

  @Test
  void fenceRefusesLocallyOnceTheLeaseCannotBeTrusted() throws Exception {
    LeaderKey key = win("/fence-test/local/election", "a");
    AtomicReference<String> rejected = new AtomicReference<>();
    Fence fence = new Fence(client.getKVClient(), key.getKey(), key.getRevision(), () -> false, rejected::set);
    Op put = Op.put(bytes("/fence-test/local/data"), bytes("x"), PutOption.DEFAULT);

    assertThatThrownBy(() -> fence.commit(List.of(), List.of(put), Duration.ofSeconds(2)))
        .isInstanceOf(LeadershipLostException.class);
    assertThat(rejected.get()).isNotNull();
    assertThat(read("/fence-test/local/data")).isNull();
  }
}
