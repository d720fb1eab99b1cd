package dev.crawler.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docs/troubleshooting.md has a section for every condition reason and Event reason a user can see. */
class TroubleshootingDocTest {
  private static final Path DOC = Path.of(System.getProperty("project.basedir", ".")).resolve("docs/troubleshooting.md");
  /** Constants of CrawlerMasterConditions that are condition types, statuses or Event types, not reasons. */
  private static final Set<String> NOT_REASONS = Set.of("READY", "ETCD_REACHABLE", "SWITCHOVER", "UPDATED",
      "TRUE", "FALSE", "UNKNOWN", "NORMAL", "WARNING", "LEADER_ELECTED");

  private static List<String> reasons() {
    return Arrays.stream(CrawlerMasterConditions.class.getFields())
        .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
        .filter(f -> !NOT_REASONS.contains(f.getName()))
        .map(TroubleshootingDocTest::value)
        .toList();
  }

  private static String value(Field f) {
    try {
      return (String) f.get(null);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void everyReasonHasASection() throws IOException {
    String doc = Files.readString(DOC);
    assertThat(reasons()).hasSizeGreaterThan(15).contains("NoLeader", "LeaderRevoked", "TLSHandshakeFailed");
    for (String reason : reasons()) {
      assertThat(doc).as("docs/troubleshooting.md has a section \"### `%s`\"", reason).contains("\n### `" + reason + "`\n");
    }
  }

  @Test
  void everyConditionTypeIsNamed() throws IOException {
    String doc = Files.readString(DOC);
    for (String type : List.of(CrawlerMasterConditions.READY, CrawlerMasterConditions.LEADER_ELECTED,
        CrawlerMasterConditions.ETCD_REACHABLE, CrawlerMasterConditions.SWITCHOVER, CrawlerMasterConditions.UPDATED)) {
      assertThat(doc).contains("`" + type + "`");
    }
  }
}
