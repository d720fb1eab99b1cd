package dev.crawler.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The figures of one bench run, keyed by their dotted path in results.json (e.g. {@code
 * crash_ms.ttl2}, {@code peer.crash_ms.defaults}); renders the table and the JSON document.
 */
final class Report {
  /** A row of the table: figure path, what it measures, and its target if any. */
  record Row(String path, String label, String target) {}

  static final List<Row> ROWS =
      List.of(
          new Row("handover_ms", "ours: SIGTERM leader -> another leads", "p99 < 50 ms"),
          new Row("switchover_ms", "ours: POST switchover -> last in queue leads", "p99 < 100 ms"),
          new Row("crash_ms.ttl2", "ours: SIGKILL leader, TTL 2 s", "p50 <= 2500 ms"),
          new Row("crash_ms.ttl5", "ours: SIGKILL leader, TTL 5 s", "p50 <= 5500 ms"),
          new Row("crash_ms.fast", "ours: SIGKILL leader, TTL 5 s, detectors", "p50 < 1000 ms"),
          new Row("stuck_ms", "ours: leader work hangs, TTL 5 s", ""),
          new Row("status_ms", "ours: etcd change -> CR status.leader", "p99 < 300 ms"),
          new Row("peer.handover_ms", "peer: SIGTERM holder, defaults 15/10/2 s", ""),
          new Row("peer.handover_equal_ttl_ms", "peer: SIGTERM holder, 5/3.3/0.7 s", ""),
          new Row("peer.crash_ms.defaults", "peer: SIGKILL holder, defaults 15/10/2 s", ""),
          new Row("peer.crash_ms.equal_ttl", "peer: SIGKILL holder, 5/3.3/0.7 s", ""));

  /** Ratio name -> {numerator path, denominator path}; all on p50. */
  static final Map<String, String[]> RATIOS = new LinkedHashMap<>();

  static {
    RATIOS.put("peer_handover_defaults_over_ours_p50", new String[] {"peer.handover_ms", "handover_ms"});
    RATIOS.put("peer_handover_equal_ttl_over_ours_p50", new String[] {"peer.handover_equal_ttl_ms", "handover_ms"});
    RATIOS.put("ours_ttl5_over_ours_fast_p50", new String[] {"crash_ms.ttl5", "crash_ms.fast"});
    RATIOS.put("peer_crash_defaults_over_ours_ttl5_p50", new String[] {"peer.crash_ms.defaults", "crash_ms.ttl5"});
    RATIOS.put("peer_crash_equal_ttl_over_ours_ttl5_p50", new String[] {"peer.crash_ms.equal_ttl", "crash_ms.ttl5"});
  }

  /** A goal from the issue, checked against a measured value (reported, never asserted). */
  record Target(String name, String path, String statistic, double limit, boolean atMost) {
    Optional<Double> value(Report r) {
      if (path.startsWith("ratios.")) {
        return Optional.ofNullable(r.ratios().get(path.substring("ratios.".length())));
      }
      return r.figure(path).map(s -> statistic.equals("p99") ? s.p99() : s.p50());
    }
  }

  static final List<Target> TARGETS =
      List.of(
          new Target("handover_p99_below_50ms", "handover_ms", "p99", 50, true),
          new Target("switchover_p99_below_100ms", "switchover_ms", "p99", 100, true),
          new Target("crash_ttl2_p50_at_most_ttl_plus_500ms", "crash_ms.ttl2", "p50", 2500, true),
          new Target("crash_ttl5_p50_at_most_ttl_plus_500ms", "crash_ms.ttl5", "p50", 5500, true),
          new Target("crash_fast_p50_below_1000ms", "crash_ms.fast", "p50", 1000, true),
          new Target("crash_fast_p99_below_1500ms", "crash_ms.fast", "p99", 1500, true),
          new Target("crash_fast_4x_faster_than_ttl5", "ratios.ours_ttl5_over_ours_fast_p50", "ratio", 4, false),
          new Target("status_p99_below_300ms", "status_ms", "p99", 300, true),
          new Target(
              "handover_20x_faster_than_peer_defaults",
              "ratios.peer_handover_defaults_over_ours_p50", "ratio", 20, false));

  private final Map<String, Stats> figures = new LinkedHashMap<>();
  private final Map<String, String> errors = new LinkedHashMap<>();
  private final Map<String, Object> context = new LinkedHashMap<>();
  /** Sections that are not latency samples (e.g. footprint): their JSON object and table lines. */
  private final Map<String, Map<String, Object>> sections = new LinkedHashMap<>();
  private final List<String> sectionLines = new ArrayList<>();

  void put(String path, Stats stats) {
    figures.put(path, stats);
  }

  void fail(String path, String why) {
    errors.put(path, why);
  }

  void section(String path, Map<String, Object> values, List<String> tableLines) {
    sections.put(path, values);
    sectionLines.addAll(tableLines);
  }

  void context(String key, Object value) {
    context.put(key, value);
  }

  Optional<Stats> figure(String path) {
    return Optional.ofNullable(figures.get(path));
  }

  boolean hasErrors() {
    return !errors.isEmpty();
  }

  /** p50 ratios whose both figures were measured. */
  Map<String, Double> ratios() {
    Map<String, Double> out = new LinkedHashMap<>();
    RATIOS.forEach(
        (name, pair) -> {
          Stats num = figures.get(pair[0]);
          Stats den = figures.get(pair[1]);
          if (num != null && den != null && den.p50() > 0) {
            out.put(name, Math.round(num.p50() / den.p50() * 100.0) / 100.0);
          }
        });
    return out;
  }

  /** Each target with its measured value and whether it was met; absent when not measured. */
  Map<String, Object> targets() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Target t : TARGETS) {
      t.value(this)
          .ifPresent(
              v -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("value", Stats.round(v));
                m.put("limit", t.limit());
                m.put("met", t.atMost() ? v <= t.limit() : v >= t.limit());
                out.put(t.name(), m);
              });
    }
    return out;
  }

  String table() {
    StringBuilder b = new StringBuilder();
    String fmt = "%-44s %4s %10s %10s %10s  %s%n";
    b.append(String.format(fmt, "figure (ms)", "n", "p50", "p99", "max", "target"));
    b.append("-".repeat(100)).append('\n');
    for (Row row : ROWS) {
      Stats s = figures.get(row.path());
      if (s != null) {
        b.append(
            String.format(
                "%-44s %4d %10.1f %10.1f %10.1f  %s%n",
                row.label(), s.n(), s.p50(), s.p99(), s.max(), row.target()));
      } else {
        b.append(
            String.format(
                fmt, row.label(), "-", "-", "-", "-",
                "not measured: " + errors.getOrDefault(row.path(), "skipped")));
      }
    }
    b.append('\n');
    ratios().forEach((k, v) -> b.append(String.format("%-44s %.2fx%n", k, v)));
    b.append('\n');
    targets().forEach((k, v) -> b.append(String.format("%-44s %s%n", k, v)));
    if (!sectionLines.isEmpty()) {
      b.append('\n');
      sectionLines.forEach(line -> b.append(line).append('\n'));
    }
    return b.toString();
  }

  Map<String, Object> json() {
    Map<String, Object> root = new LinkedHashMap<>();
    figures.forEach((path, stats) -> nested(root, path).putAll(stats.toJson()));
    sections.forEach((path, values) -> nested(root, path).putAll(values));
    errors.forEach((path, why) -> nested(root, path).put("error", why));
    root.put("ratios", ratios());
    root.put("targets", targets());
    root.putAll(context);
    return root;
  }

  void write(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(file.toFile(), json());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> nested(Map<String, Object> root, String path) {
    Map<String, Object> m = root;
    for (String part : path.split("\\.")) {
      m = (Map<String, Object>) m.computeIfAbsent(part, k -> new LinkedHashMap<String, Object>());
    }
    return m;
  }
}
