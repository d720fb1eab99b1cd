package dev.crawler.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SwitchoverTest {
  private static final Candidate A = candidate("a", 10);
  private static final Candidate B = candidate("b", 12);
  private static final Candidate C = candidate("c", 15);
  private static final Candidate D = candidate("d", 20);
  private static final List<Candidate> QUEUE = List.of(A, B, C, D);

  private static Candidate candidate(String id, long term) {
    return new Candidate("/p/election/" + Long.toHexString(term * 1000), term, new String(new CandidateInfo(id, id + ":8080").toJson()));
  }

  private static Switchover.Choice choose(Optional<String> id, Set<String> ready) {
    return Switchover.choose(QUEUE, id, l -> ready.contains(l.id()));
  }

  @Test
  void aNamedReadyFollowerIsTheTargetAndTheFollowersQueuedBeforeItMustStepBehind() {
    assertThat(choose(Optional.of("c"), Set.of("b", "c", "d"))).isEqualTo(new Switchover.Target(C));
    assertThat(Switchover.ahead(QUEUE, C)).containsExactly(B);
    assertThat(Switchover.ahead(QUEUE, D)).containsExactly(B, C);
    assertThat(Switchover.ahead(QUEUE, B)).isEmpty();
  }

  @Test
  void withoutANameTheFirstReadyFollowerInQueueOrderIsTheTarget() {
    assertThat(choose(Optional.empty(), Set.of("b", "c", "d"))).isEqualTo(new Switchover.Target(B));
    assertThat(choose(Optional.empty(), Set.of("c", "d"))).isEqualTo(new Switchover.Target(C));
  }

  @Test
  void refusalsSayWhy() {
    assertThat(choose(Optional.of("zz"), Set.of("b", "c", "d")))
        .isInstanceOfSatisfying(Switchover.Refused.class, r -> assertThat(r.refusal()).isEqualTo(Switchover.Refusal.UNKNOWN_CANDIDATE));
    assertThat(choose(Optional.of("a"), Set.of("a", "b")))
        .isInstanceOfSatisfying(Switchover.Refused.class, r -> assertThat(r.refusal()).isEqualTo(Switchover.Refusal.CANDIDATE_LEADS));
    assertThat(choose(Optional.of("c"), Set.of("b")))
        .isInstanceOfSatisfying(Switchover.Refused.class, r -> assertThat(r.refusal()).isEqualTo(Switchover.Refusal.CANDIDATE_NOT_READY));
    assertThat(choose(Optional.empty(), Set.of()))
        .isInstanceOfSatisfying(Switchover.Refused.class, r -> assertThat(r.refusal()).isEqualTo(Switchover.Refusal.NO_READY_CANDIDATE));
    assertThat(Switchover.choose(List.of(A), Optional.empty(), l -> true))
        .isInstanceOfSatisfying(Switchover.Refused.class, r -> assertThat(r.refusal()).isEqualTo(Switchover.Refusal.NO_READY_CANDIDATE));
  }

  @Test
  void aNamedReplicaWithAnOlderKeyOfAPreviousIncarnationIsTargetedAtItsNewestKey() {
    Candidate oldB = candidate("b", 11);
    Candidate newB = candidate("b", 18);
    List<Candidate> queue = List.of(A, oldB, C, newB);
    assertThat(Switchover.choose(queue, Optional.of("b"), l -> true)).isEqualTo(new Switchover.Target(newB));
    assertThat(Switchover.ahead(queue, newB)).containsExactly(oldB, C);
  }

  @Test
  void aStaleKeyOfTheLeadersOwnIdIsNeverChosenAsAnyFollower() {
    Candidate oldA = candidate("a", 11);
    assertThat(Switchover.choose(List.of(A, oldA, C), Optional.empty(), l -> true)).isEqualTo(new Switchover.Target(C));
  }

  @Test
  void theHandoverIsArrangedOnlyWhenTheTargetIsNextAfterThisTermsKey() {
    assertThat(Switchover.arranged(List.of(A, C, D), 10, C)).isTrue();
    assertThat(Switchover.arranged(List.of(A, B, C), 10, C)).isFalse();
    assertThat(Switchover.arranged(List.of(B, C), 10, C)).isFalse();
    assertThat(Switchover.arranged(List.of(A), 10, C)).isFalse();
  }
}
