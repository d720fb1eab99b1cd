package dev.crawler.election;

import dev.crawler.etcd.Backoff;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ElectionRulesTest {

  private static Candidate leader(String id, long term) {
    return new Candidate("/p/election/" + id, term, new String(new CandidateInfo(id, "127.0.0.1:1").toJson()));
  }

  @Test
  void aLaterLeaderSupersedesButALateEventFromBeforeOurTermDoesNot() {
    assertThat(Candidate.supersedes(leader("b", 12), 10)).isTrue();
    assertThat(Candidate.supersedes(leader("a", 10), 10)).isFalse();
    assertThat(Candidate.supersedes(leader("old", 7), 10)).isFalse();
  }

  @Test
  void leaseIsTrustedForTtlMinusAMarginCountedFromWhenTheKeepAliveWasSent() {
    Duration ttl = Duration.ofSeconds(2);
    assertThat(LeaseClock.validity(ttl)).isEqualTo(Duration.ofMillis(1500));
    assertThat(LeaseClock.validity(Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(750));

    long t0 = 1_000_000_000L;
    LeaseClock clock = new LeaseClock(ttl, t0);
    assertThat(clock.isValid(t0 + 1_499_000_000L)).isTrue();
    assertThat(clock.isValid(t0 + 1_500_000_000L)).isFalse();

    clock.renewed(t0 + 1_000_000_000L);
    assertThat(clock.isValid(t0 + 2_400_000_000L)).isTrue();
    // A late reply to an older keep-alive does not move the deadline back.
    clock.renewed(t0 + 500_000_000L);
    assertThat(clock.isValid(t0 + 2_400_000_000L)).isTrue();
    assertThat(clock.isValid(t0 + 2_500_000_000L)).isFalse();
  }

  @Test
  void backoffGrowsWithJitterUpToTheCapAndResets() {
    Backoff.Retry backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)).retry();
    for (int i = 0; i < 20; i++) {
      Duration d = backoff.next();
      assertThat(d).isBetween(Duration.ofMillis(50), Duration.ofSeconds(2));
    }
    backoff.reset();
    assertThat(backoff.next()).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
  }

  @Test
  void leaderInfoRoundTripsAndForeignValuesAreIgnored() {
    CandidateInfo info = new CandidateInfo("demo-0", "10.1.2.3:8080");
    assertThat(CandidateInfo.parse(info.toJson())).contains(info);
    assertThat(CandidateInfo.parse("not json")).isEmpty();
  }

  @Test
  void aLeaderKeyNamesItsLeaseInHex() {
    assertThat(new Candidate("/p/election/694d7e1c2b3a", 3, "x").leaseId()).isEqualTo(0x694d7e1c2b3aL);
    assertThat(new Candidate("/p/election/not-hex", 3, "x").leaseId()).isEqualTo(-1);
  }

  @Test
  void onlyAReplicasKeyOfTheSeenTermNamedAfterTheLeaseEtcdReportsIsRevocable() {
    String replica = new String(new CandidateInfo("a", "127.0.0.1:1").toJson());
    Candidate key = new Candidate("/p/election/694d", 3, replica);
    assertThat(Election.revocable(key, 0x694dL, 3)).isTrue();
    assertThat(Election.revocable(key, 0x694dL, 4)).as("another term").isFalse();
    assertThat(Election.revocable(key, 0, 3)).as("no lease holds it").isFalse();
    assertThat(Election.revocable(key, 0x1234L, 3)).as("held by a lease it is not named after").isFalse();
    assertThat(Election.revocable(new Candidate("/p/election/694d", 3, "lock-holder"), 0x694dL, 3))
        .as("not a replica's value").isFalse();
  }

  @Test
  void aChangedErrorTextAloneIsNoChangeOfState() {
    java.time.Instant t = java.time.Instant.EPOCH;
    ElectionState down = ElectionState.unreachable("refused", t, 0);
    assertThat(ElectionState.unreachable("timed out", t, 1).differsFrom(down)).isFalse();
    assertThat(ElectionState.noLeader(t, 0).differsFrom(down)).isTrue();
    Candidate a = leader("a", 5);
    assertThat(ElectionState.leading(a, t, 0).differsFrom(ElectionState.leading(a, t, 9))).isFalse();
    assertThat(ElectionState.leading(leader("a", 6), t, 0).differsFrom(ElectionState.leading(a, t, 0))).isTrue();
  }
}
