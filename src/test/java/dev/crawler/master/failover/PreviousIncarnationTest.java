package dev.crawler.master.failover;

import dev.crawler.election.Candidate;
import dev.crawler.election.CandidateInfo;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreviousIncarnationTest {
  private static String json(CandidateInfo i) {
    return new String(i.toJson(), StandardCharsets.UTF_8);
  }

  private static Candidate candidate(long lease, String value) {
    return new Candidate("/p/election/" + Long.toHexString(lease), 100 + lease, value);
  }

  private static List<Long> leasesLeftBehind(List<Candidate> candidates, String selfId) {
    return PreviousIncarnation.leftBehind(candidates, selfId).stream().map(Candidate::leaseId).toList();
  }

  @Test
  void revokesOnlyLeasesWhoseCandidateCarriesThisReplicasId() {
    List<Candidate> candidates =
        List.of(
            candidate(0x10, json(new CandidateInfo("m-0", "10.0.0.1:8080"))),
            candidate(0x11, json(new CandidateInfo("m-1", "10.0.0.2:8080"))),
            candidate(0x12, json(new CandidateInfo("m-0", "10.0.0.9:8080"))),
            candidate(0x13, "not our json"),
            candidate(0, json(new CandidateInfo("m-0", "10.0.0.1:8080"))));
    assertThat(leasesLeftBehind(candidates, "m-0")).containsExactly(0x10L, 0x12L);
    assertThat(leasesLeftBehind(candidates, "m-2")).isEmpty();
  }

  @Test
  void anIdIsMatchedWholeNotAsAPrefix() {
    assertThat(leasesLeftBehind(
        List.of(candidate(0x20, json(new CandidateInfo("m-10", "a:1")))), "m-1")).isEmpty();
  }
}
