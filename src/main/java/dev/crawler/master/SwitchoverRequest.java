package dev.crawler.master;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Optional;

/**
 * The body of {@code POST /api/v1/switchover}: {@code {"candidate": "<replica id>"}}, or an empty
 * body / {@code {}} for "the first ready follower".
 */
public record SwitchoverRequest(Optional<String> candidate) {

  /** Parses and validates a request body; the exception message names the problem. */
  public static SwitchoverRequest parse(byte[] body) throws BadRequestException {
    if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
      return new SwitchoverRequest(Optional.empty());
    }
    JsonNode root = HttpExchanges.jsonObject(body, "{\"candidate\": \"<replica id>\"} (or empty: any ready follower)");
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("candidate")) {
        throw new BadRequestException("unknown field '" + name + "'; the only field is 'candidate'");
      }
    }
    JsonNode candidate = root.get("candidate");
    if (candidate == null || candidate.isNull()) {
      return new SwitchoverRequest(Optional.empty());
    }
    if (!candidate.isTextual() || candidate.asText().isBlank()) {
      throw new BadRequestException("field 'candidate' must be a replica id (a non-empty string)");
    }
    return new SwitchoverRequest(Optional.of(candidate.asText()));
  }
}
