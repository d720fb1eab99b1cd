package dev.crawler.master.failover;

import static dev.crawler.master.failover.PortProbe.Answer.ACCEPTED;
import static dev.crawler.master.failover.PortProbe.Answer.NO_ANSWER;
import static dev.crawler.master.failover.PortProbe.Answer.REFUSED;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RefusalEvidenceTest {
  private static final String KEY = "/p/election/694d7a1b2c3d4e5f";

  private static RefusalEvidence probes(PortProbe.Answer... answers) {
    RefusalEvidence e = RefusalEvidence.none(null, 0);
    for (PortProbe.Answer a : answers) {
      e = e.after(KEY, 7, a);
    }
    return e;
  }

  @Test
  void twoRefusalsInARowAfterTheLeaderOnceAnsweredProveItGone() {
    assertThat(probes(ACCEPTED, REFUSED).leaderIsGone()).isFalse();
    assertThat(probes(ACCEPTED, REFUSED, REFUSED).leaderIsGone()).isTrue();
  }

  @Test
  void timeoutsAndUnreachableHostsProveNothingAndBreakTheRun() {
    assertThat(probes(ACCEPTED, NO_ANSWER, NO_ANSWER, NO_ANSWER).leaderIsGone()).isFalse();
    assertThat(probes(ACCEPTED, REFUSED, NO_ANSWER, REFUSED).leaderIsGone()).isFalse();
    assertThat(probes(ACCEPTED, REFUSED, ACCEPTED, REFUSED).leaderIsGone()).isFalse();
  }

  @Test
  void aLeaderWhosePortNeverAnsweredIsNeverProvenGone() {
    // A wrong advertise address or a rejecting firewall: wait for the TTL rather than revoke every term.
    assertThat(probes(REFUSED, REFUSED, REFUSED, REFUSED).leaderIsGone()).isFalse();
  }

  @Test
  void anotherLeaderStartsNewEvidence() {
    RefusalEvidence e = probes(ACCEPTED, REFUSED);
    RefusalEvidence successor = e.after("/p/election/1", 9, REFUSED);
    assertThat(successor.refusals()).isEqualTo(1);
    assertThat(successor.acceptedOnce()).isFalse();
    assertThat(e.after(KEY, 8, REFUSED).leaderIsGone()).as("same key, other term").isFalse();
  }
}
