package dev.crawler.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreviousIncarnationTest {
  private static String json(LeaderInfo i) {
    return new String(i.toJson(), StandardCharsets.UTF_8);
  }

  private static Leader candidate(long lease, String value) {
    return new Leader("/p/election/" + Long.toHexString(lease), 100 + lease, value);
  }

  private static List<Long> leasesLeftBehind(List<Leader> candidates, String selfId) {
    return PreviousIncarnation.leftBehind(candidates, selfId).stream().map(Leader::leaseId).toList();
  }

  @Test
  void revokesOnlyLeasesWhoseCandidateCarriesThisReplicasId() {
    List<Leader> candidates =
        List.of(
            candidate(0x10, json(new LeaderInfo("m-0", "10.0.0.1:8080"))),
            candidate(0x11, json(new LeaderInfo("m-1", "10.0.0.2:8080"))),
            candidate(0x12, json(new LeaderInfo("m-0", "10.0.0.9:8080"))),
            candidate(0x13, "not our json"),
            candidate(0, json(new LeaderInfo("m-0", "10.0.0.1:8080"))));
    assertThat(leasesLeftBehind(candidates, "m-0")).containsExactly(0x10L, 0x12L);
    assertThat(leasesLeftBehind(candidates, "m-2")).isEmpty();
  }

  @Test
  void anIdIsMatchedWholeNotAsAPrefix() {
    assertThat(leasesLeftBehind(
        List.of(candidate(0x20, json(new LeaderInfo("m-10", "a:1")))), "m-1")).isEmpty();
  }
}
