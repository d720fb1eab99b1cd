package dev.crawler.election;

import dev.crawler.support.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A candidate's proposal value in the election: who it is and where to reach it. Stored as a
 * small JSON object, e.g. {@code {"id":"demo-0","address":"10.0.0.7:8080"}}.
 */
public record CandidateInfo(String id, String address) {
  public byte[] toJson() {
    try {
      return Json.MAPPER.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses a proposal value; empty when it is not our JSON (another client of the same election). */
  public static Optional<CandidateInfo> parse(byte[] value) {
    try {
      CandidateInfo info = Json.MAPPER.readValue(value, CandidateInfo.class);
      if (info == null || info.id() == null || info.id().isBlank()) {
        return Optional.empty();
      }
      return Optional.of(info);
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  public static Optional<CandidateInfo> parse(String value) {
    return parse(value.getBytes(StandardCharsets.UTF_8));
  }
}
