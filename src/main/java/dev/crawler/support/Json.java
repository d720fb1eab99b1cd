package dev.crawler.support;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one JSON mapper of election values and the master's API: lenient on unknown fields, so old
 * and new replicas can read each other's values.
 */
public final class Json {
  private Json() {}

  public static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
}
