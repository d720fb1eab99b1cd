package dev.crawler.operator.rollout;

import dev.crawler.operator.events.ClusterEvent;
import static dev.crawler.api.CrawlerMasterConditions.SWITCHOVER_FAILED;
import static dev.crawler.api.CrawlerMasterConditions.SWITCHOVER_SUCCEEDED;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.api.CrawlerMaster;
import dev.crawler.support.Json;
import dev.crawler.election.Candidate;
import java.util.Map;
import java.util.Optional;

/**
 * A switchover asked for with {@link CrawlerMaster#SWITCHOVER_TO_ANNOTATION} and what came of it.
 * Pure: the reconciler reads the request, asks the leader ({@link MasterApiClient}), and reports the
 * outcome as the {@code Switchover} condition and an Event of the same reason.
 *
 * @param succeeded the candidate leads
 * @param message for people: who leads now, or why not
 */
public record SwitchoverOutcome(boolean succeeded, String message) {

  /** The switchover annotation's value as written, when it is set: the one reading of it. */
  public static Optional<String> annotation(CrawlerMaster cm) {
    Map<String, String> annotations = cm.getMetadata().getAnnotations();
    return Optional.ofNullable(annotations == null ? null : annotations.get(CrawlerMaster.SWITCHOVER_TO_ANNOTATION));
  }

  /** The requested candidate (empty: any ready follower), when the annotation is set. */
  public static Optional<Optional<String>> requested(CrawlerMaster cm) {
    return annotation(cm).map(value -> {
      String target = value.trim();
      return target.isEmpty() || target.equals(CrawlerMaster.SWITCHOVER_TO_ANY) ? Optional.empty() : Optional.of(target);
    });
  }

  /** "to POD", or "to any ready follower" when none is named: how messages name the switchover asked for. */
  static String asked(Optional<String> candidate) {
    return candidate.map(c -> "to " + c).orElse("to any ready follower");
  }

  /** What the leader's answer means: 200 names the new leader and term; anything else says why not. */
  public static SwitchoverOutcome of(Optional<String> candidate, int status, String body) {
    String asked = asked(candidate);
    JsonNode json = parse(body);
    if (status == 200) {
      return new SwitchoverOutcome(true, "switchover " + asked + ": " + json.path("leader").asText()
          + " leads (term " + json.path("term").asLong() + "), was " + json.path("previousLeader").asText()
          + " (term " + json.path("previousTerm").asLong() + ")");
    }
    // The leader's words go into a condition and an Event: a few hundred characters at most.
    String why = shorten(json.path("error").asText(body == null ? "" : body));
    if (status == 504) {
      return failed("switchover " + asked + ": the leader resigned, but the candidate did not take over in time (HTTP 504): " + why);
    }
    return failed("switchover " + asked + " refused by the leader (HTTP " + status + "): " + why);
  }

  static final int MAX_REASON_CHARS = 400;

  private static String shorten(String text) {
    return text.length() <= MAX_REASON_CHARS ? text : text.substring(0, MAX_REASON_CHARS) + "…";
  }

  /**
   * A failed answer checked against who leads now: the answer can be lost (timeout, connection
   * reset) or late (504) although the candidate did take over, and then it succeeded.
   *
   * @param previousLeader who led when it was asked; with no candidate named, any other leader counts
   */
  public SwitchoverOutcome confirmedBy(Optional<Candidate> now, Optional<String> candidate, String previousLeader) {
    if (succeeded || now.isEmpty()) {
      return this;
    }
    String leader = now.get().id();
    boolean taken = candidate.map(leader::equals).orElse(previousLeader != null && !leader.equals(previousLeader));
    return taken
        ? new SwitchoverOutcome(true, "switchover " + asked(candidate) + ": "
            + leader + " leads (term " + now.get().term() + ") according to etcd; the leader's answer: " + message)
        : this;
  }

  public static SwitchoverOutcome failed(String message) {
    return new SwitchoverOutcome(false, message);
  }

  public String reason() {
    return succeeded ? SWITCHOVER_SUCCEEDED : SWITCHOVER_FAILED;
  }

  public ClusterEvent event() {
    return succeeded ? ClusterEvent.normal(reason(), message) : ClusterEvent.warning(reason(), message);
  }

  private static JsonNode parse(String body) {
    try {
      JsonNode node = Json.MAPPER.readTree(body == null ? "" : body);
      return node == null ? Json.MAPPER.createObjectNode() : node;
    } catch (Exception e) {
      return Json.MAPPER.createObjectNode();
    }
  }
}
