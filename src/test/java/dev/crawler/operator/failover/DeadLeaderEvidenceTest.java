package dev.crawler.operator.failover;

import dev.crawler.operator.resources.MasterResources;
import dev.crawler.operator.status.LeaderFields;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.CrawlerMasterStatus;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeadLeaderEvidenceTest {
  private static final String SINCE = "2026-11-30T10:00:00Z";
  private static final String BEFORE = "2026-11-30T09:59:59Z";
  /** Later than leaderSince by more than {@link DeadLeaderEvidence#CLOCK_MARGIN}. */
  private static final String AFTER = "2026-11-30T10:00:03Z";
  /** Later than leaderSince, but within the margin a node clock may be ahead of the operator's. */
  private static final String WITHIN_MARGIN = "2026-11-30T10:00:02Z";

  private static CrawlerMasterStatus stored(String leader, long term, String reason) {
    CrawlerMasterStatus s = new CrawlerMasterStatus();
    s.setLeader(leader);
    s.setTerm(term);
    s.setLeaderSince(SINCE);
    s.setConditions(List.of(CrawlerMasterConditions.condition(CrawlerMasterConditions.LEADER_ELECTED,
        CrawlerMasterConditions.ELECTED.equals(reason) ? CrawlerMasterConditions.TRUE : CrawlerMasterConditions.FALSE, reason, "")));
    return s;
  }

  private static final CrawlerMasterStatus ELECTED = stored("demo-0", 7, CrawlerMasterConditions.ELECTED);

  private static LeaderFields next(String leader, long term) {
    return new LeaderFields(leader, leader + ":8080", term, SINCE, 1L);
  }

  private static Pod pod(String created, ContainerStatus master) {
    return new PodBuilder()
        .withNewMetadata().withName("demo-0").withCreationTimestamp(created).endMetadata()
        .withNewStatus().withContainerStatuses(master).endStatus()
        .build();
  }

  private static ContainerStatusBuilder master(int restarts) {
    return new ContainerStatusBuilder().withName(MasterResources.CONTAINER_NAME).withRestartCount(restarts);
  }

  private static ContainerStatus running(String startedAt, int restarts) {
    return master(restarts).withNewState().withNewRunning().withStartedAt(startedAt).endRunning().endState().build();
  }

  private static Optional<String> evidence(Pod pod) {
    return DeadLeaderEvidence.of(ELECTED, next("demo-0", 7), Optional.ofNullable(pod));
  }

  @Test
  void aHealthyLeaderPodIsNoEvidence() {
    assertThat(evidence(pod(BEFORE, running(BEFORE, 0)))).isEmpty();
    assertThat(evidence(pod(BEFORE, null))).as("no container status yet").isEmpty();
  }

  @Test
  void kubeletTimesWithinTheClockMarginOfTheTakeoverAreNoEvidence() {
    assertThat(evidence(pod(WITHIN_MARGIN, running(WITHIN_MARGIN, 0)))).isEmpty();
    assertThat(evidence(pod(BEFORE, running(WITHIN_MARGIN, 1)))).isEmpty();
  }

  @Test
  void theMasterContainerTerminatedAfterTheTakeover() {
    ContainerStatus terminated = master(0).withNewState().withNewTerminated()
        .withFinishedAt(AFTER).withReason("OOMKilled").withExitCode(137).endTerminated().endState().build();
    assertThat(evidence(pod(BEFORE, terminated))).hasValueSatisfying(e ->
        assertThat(e).contains("terminated at " + AFTER).contains("OOMKilled").contains("137"));
  }

  @Test
  void theMasterContainerWasRestartedAfterTheTakeover() {
    ContainerStatus restarted = master(3)
        .withNewState().withNewRunning().withStartedAt(AFTER).endRunning().endState()
        .withNewLastState().withNewTerminated().withFinishedAt(AFTER).withReason("Error").withExitCode(1)
        .endTerminated().endLastState()
        .build();
    assertThat(evidence(pod(BEFORE, restarted))).hasValueSatisfying(e ->
        assertThat(e).contains("was restarted (restart count 3)"));
    assertThat(evidence(pod(BEFORE, running(AFTER, 1)))).hasValueSatisfying(e ->
        assertThat(e).contains("started again at"));
  }

  @Test
  void aRestartFromBeforeTheTakeoverIsNoEvidence() {
    // The replica crashed, restarted, and then won: its process is the leader.
    ContainerStatus restartedEarlier = master(1)
        .withNewState().withNewRunning().withStartedAt(BEFORE).endRunning().endState()
        .withNewLastState().withNewTerminated().withFinishedAt(BEFORE).withExitCode(137).endTerminated().endLastState()
        .build();
    assertThat(evidence(pod(BEFORE, restartedEarlier))).isEmpty();
    // Timestamps have whole seconds: the same second as leaderSince is not "after".
    assertThat(evidence(pod(BEFORE, running(SINCE, 1)))).isEmpty();
  }

  @Test
  void aGoneOrRecreatedPodIsEvidence() {
    assertThat(evidence(null)).hasValue("pod demo-0 is gone");
    assertThat(evidence(pod(AFTER, running(AFTER, 0)))).hasValueSatisfying(e ->
        assertThat(e).contains("pod demo-0 was created again"));
  }

  @Test
  void onlyALeaderAlreadyStoredAsThisClustersPodInTheSameTermIsJudged() {
    Optional<Pod> gone = Optional.empty();
    assertThat(DeadLeaderEvidence.of(null, next("demo-0", 7), gone)).isEmpty();
    assertThat(DeadLeaderEvidence.of(ELECTED, next("demo-0", 8), gone)).as("a new term").isEmpty();
    assertThat(DeadLeaderEvidence.of(ELECTED, next("demo-1", 7), gone)).as("another leader").isEmpty();
    assertThat(DeadLeaderEvidence.of(stored("demo-0", 7, CrawlerMasterConditions.UNKNOWN_LEADER), next("demo-0", 7), gone))
        .as("never seen as one of our pods (e.g. a replica run by hand)").isEmpty();
  }

  @Test
  void onlyMasterContainerRestartsOrTerminationsPassThePodUpdateFilter() {
    Pod a = pod(BEFORE, running(BEFORE, 0));
    Pod readyFlip = new PodBuilder(a).editStatus().withPhase("Running").endStatus().build();
    assertThat(DeadLeaderEvidence.masterContainerChanged(readyFlip, a)).isFalse();
    assertThat(DeadLeaderEvidence.masterContainerChanged(pod(BEFORE, running(AFTER, 1)), a)).isTrue();
    ContainerStatus terminated = master(0).withNewState().withNewTerminated().withFinishedAt(AFTER).endTerminated()
        .endState().build();
    assertThat(DeadLeaderEvidence.masterContainerChanged(pod(BEFORE, terminated), a)).isTrue();
  }
}
