package dev.crawler.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Summary of a sample of latencies in milliseconds. Percentiles use the nearest-rank definition:
 * the p-th percentile of n sorted values is the value at rank ceil(p/100 * n) (1-based), so it is
 * always one of the measured values and p100 is the maximum. With fewer than 100 samples p99 is the
 * maximum.
 */
public record Stats(int n, double min, double p50, double p99, double max, double mean) {

  public static Stats of(List<Double> samples) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples: a figure needs at least one measurement");
    }
    double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return new Stats(
        sorted.length,
        sorted[0],
        percentile(sorted, 50),
        percentile(sorted, 99),
        sorted[sorted.length - 1],
        Arrays.stream(sorted).average().orElseThrow());
  }

  /** Nearest rank on an ascending array: the value at 1-based rank ceil(p/100 * n). */
  static double percentile(double[] ascending, double p) {
    if (p <= 0 || p > 100) {
      throw new IllegalArgumentException("percentile must be in (0, 100]: " + p);
    }
    int rank = (int) Math.ceil(p / 100.0 * ascending.length);
    return ascending[Math.max(rank, 1) - 1];
  }

  /** The JSON object for results.json: p50, p99, max, n (plus min and mean), rounded to 0.1 ms. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p50", round(p50));
    m.put("p99", round(p99));
    m.put("max", round(max));
    m.put("n", n);
    m.put("min", round(min));
    m.put("mean", round(mean));
    return m;
  }

  static double round(double ms) {
    return Math.round(ms * 10.0) / 10.0;
  }
}
