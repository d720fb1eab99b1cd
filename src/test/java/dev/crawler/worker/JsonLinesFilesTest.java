package dev.crawler.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesFilesTest {
  private static PageRecord page(int i) {
    return new PageRecord("r", "http://site.test/p/" + i, 200, "text/html", 10, "2026-12-07T00:00:00Z", 1, 0, "t",
        List.of(), "w1", 3);
  }

  private static List<String> files(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void rotatesAtTheSizeAndARestartContinuesWithTheNextFile(@TempDir Path dir) throws Exception {
    try (JsonLinesFiles sink = new JsonLinesFiles(dir, "w1", 400)) {
      for (int i = 0; i < 5; i++) {
        sink.write(page(i));
      }
    }
    List<String> first = files(dir);
    assertThat(first.size()).isGreaterThan(1);
    assertThat(first).allMatch(n -> n.matches("pages-w1-\\d+\\.jsonl"));
    try (JsonLinesFiles sink = new JsonLinesFiles(dir, "w1", 400)) {
      sink.write(page(9));
    }
    List<String> after = files(dir);
    assertThat(after).hasSize(first.size() + 1).containsAll(first);
    long lines = 0;
    for (String f : after) {
      for (String line : Files.readAllLines(dir.resolve(f))) {
        assertThat(line).startsWith("{\"resource\":\"r\"");
        lines++;
      }
    }
    assertThat(lines).isEqualTo(6);
  }
}
