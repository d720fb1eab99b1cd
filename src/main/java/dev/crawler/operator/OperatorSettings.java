package dev.crawler.operator;

import java.util.Objects;
import java.util.Set;

/**
 * How this operator instance is configured (from the {@code operator} subcommand's flags).
 *
 * @param masterImage image of master replicas whose spec names none
 * @param namespaces namespaces to watch; empty means all namespaces
 */
public record OperatorSettings(String masterImage, Set<String> namespaces) {
  public static final String DEFAULT_MASTER_IMAGE = "crawler-master:latest";

  public OperatorSettings {
    Objects.requireNonNull(masterImage, "masterImage");
    namespaces = Set.copyOf(namespaces);
  }

  public static OperatorSettings defaults() {
    return new OperatorSettings(DEFAULT_MASTER_IMAGE, Set.of());
  }
}
