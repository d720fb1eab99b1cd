package dev.crawler.operator.rollout;

import dev.crawler.operator.status.StatusAggregator;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.election.Candidate;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SwitchoverOutcomeTest {
  private static CrawlerMaster annotated(String value) {
    CrawlerMaster cm = new CrawlerMaster();
    ObjectMetaBuilder meta = new ObjectMetaBuilder().withName("demo").withNamespace("ns");
    if (value != null) {
      meta.addToAnnotations(CrawlerMaster.SWITCHOVER_TO_ANNOTATION, value);
    }
    cm.setMetadata(meta.build());
    return cm;
  }

  @Test
  void theAnnotationNamesAPodOrAnyReadyFollower() {
    assertThat(SwitchoverOutcome.requested(annotated(null))).isEmpty();
    assertThat(SwitchoverOutcome.requested(annotated("demo-2"))).contains(Optional.of("demo-2"));
    assertThat(SwitchoverOutcome.requested(annotated("any"))).contains(Optional.empty());
    assertThat(SwitchoverOutcome.requested(annotated(""))).contains(Optional.empty());
  }

  @Test
  void theLeadersAnswerBecomesTheOutcome() {
    SwitchoverOutcome done = SwitchoverOutcome.of(Optional.of("demo-2"), 200,
        "{\"leader\":\"demo-2\",\"term\":41,\"previousLeader\":\"demo-0\",\"previousTerm\":12}");
    assertThat(done.succeeded()).isTrue();
    assertThat(done.reason()).isEqualTo(CrawlerMasterConditions.SWITCHOVER_SUCCEEDED);
    assertThat(done.message()).isEqualTo("switchover to demo-2: demo-2 leads (term 41), was demo-0 (term 12)");
    assertThat(done.event().type()).isEqualTo(CrawlerMasterConditions.NORMAL);

    SwitchoverOutcome unknown = SwitchoverOutcome.of(Optional.of("demo-9"), 404,
        "{\"error\":\"no replica 'demo-9' takes part in the election\"}");
    assertThat(unknown.succeeded()).isFalse();
    assertThat(unknown.reason()).isEqualTo(CrawlerMasterConditions.SWITCHOVER_FAILED);
    assertThat(unknown.message()).contains("HTTP 404").contains("no replica 'demo-9'");
    assertThat(unknown.event().type()).isEqualTo(CrawlerMasterConditions.WARNING);

    assertThat(SwitchoverOutcome.of(Optional.empty(), 503, "not json").message())
        .contains("to any ready follower").contains("HTTP 503").contains("not json");
  }

  @Test
  void aLateAnswerOfALeaderThatResignedIsNotCalledARefusal() {
    SwitchoverOutcome late = SwitchoverOutcome.of(Optional.of("demo-2"), 504,
        "{\"error\":\"resigned term 12, but replica 'demo-2' did not take over\"}");
    assertThat(late.succeeded()).isFalse();
    assertThat(late.message()).contains("resigned").contains("HTTP 504").doesNotContain("refused");
  }

  @Test
  void aFailedAnswerSucceedsWhenEtcdShowsTheCandidateLeading() {
    SwitchoverOutcome lost = SwitchoverOutcome.failed("cannot reach the leader at 10.0.0.1:8080: timed out");
    Candidate demo2 = leader("demo-2", 41);
    Candidate demo0 = leader("demo-0", 12);
    assertThat(lost.confirmedBy(Optional.of(demo2), Optional.of("demo-2"), "demo-0").succeeded()).isTrue();
    assertThat(lost.confirmedBy(Optional.of(demo2), Optional.of("demo-2"), "demo-0").message())
        .contains("demo-2 leads (term 41)").contains("timed out");
    assertThat(lost.confirmedBy(Optional.of(demo0), Optional.of("demo-2"), "demo-0").succeeded()).isFalse();
    assertThat(lost.confirmedBy(Optional.empty(), Optional.of("demo-2"), "demo-0").succeeded()).isFalse();
    assertThat(lost.confirmedBy(Optional.of(demo2), Optional.empty(), "demo-0").succeeded()).isTrue();
    assertThat(lost.confirmedBy(Optional.of(demo0), Optional.empty(), "demo-0").succeeded()).isFalse();
  }

  private static Candidate leader(String id, long term) {
    return new Candidate("/crawler/ns/demo/election/" + Long.toHexString(term), term,
        "{\"id\":\"" + id + "\",\"address\":\"10.0.0.1:8080\"}");
  }

  @Test
  void theSwitchoverConditionIsSetByAnOutcomeAndKeptWithoutOne() {
    Instant now = Instant.parse("2026-11-30T12:00:00Z");
    CrawlerMasterStatus first = new StatusAggregator(null, 1L, now)
        .switchover(Optional.of(SwitchoverOutcome.failed("switchover to demo-9: no leader known")))
        .build();
    assertThat(CrawlerMasterConditions.find(first, CrawlerMasterConditions.SWITCHOVER)).hasValueSatisfying(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo(CrawlerMasterConditions.SWITCHOVER_FAILED);
      assertThat(c.getMessage()).isEqualTo("switchover to demo-9: no leader known");
    });
    CrawlerMasterStatus later = new StatusAggregator(first, 1L, now.plusSeconds(60)).build();
    assertThat(CrawlerMasterConditions.find(later, CrawlerMasterConditions.SWITCHOVER))
        .isEqualTo(CrawlerMasterConditions.find(first, CrawlerMasterConditions.SWITCHOVER));
    assertThat(CrawlerMasterConditions.find(new StatusAggregator(null, 1L, now).build(), CrawlerMasterConditions.SWITCHOVER))
        .isEmpty();
  }
}
