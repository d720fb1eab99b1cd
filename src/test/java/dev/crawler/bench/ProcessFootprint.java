package dev.crawler.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a child process costs, read from outside it: resident memory and threads from {@code
 * /proc/<pid>/status} (peak resident memory too), CPU time from {@code /proc/<pid>/stat}, and the JVM heap still in use after
 * a full GC through {@code jcmd} (no agent or metric inside the process is needed).
 */
final class ProcessFootprint {
  /** Linux reports utime and stime in clock ticks; USER_HZ is 100 on every architecture the JDK runs on. */
  private static final double TICKS_PER_SECOND = 100.0;
  /** A heap's top-level line in {@code GC.heap_info}: " def new generation   total 9792K, used 3126K [...]". */
  private static final Pattern HEAP_LINE = Pattern.compile("^ ?(\\S.*?)\\s+total \\d+K, used (\\d+)K");

  private ProcessFootprint() {}

  static double rssMiB(long pid) throws IOException {
    return statusField(pid, "VmRSS") / 1024.0;
  }

  /** VmHWM: the peak resident memory over the process's life so far. */
  static double peakRssMiB(long pid) throws IOException {
    return statusField(pid, "VmHWM") / 1024.0;
  }

  static long threads(long pid) throws IOException {
    return statusField(pid, "Threads");
  }

  /** User + system CPU seconds the process has used so far. */
  static double cpuSeconds(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // Fields after the command name, which is in parentheses and may contain spaces.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "pid (comm)".
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
  }

  /** Runs a full GC in the JVM {@code pid} and returns the heap in use afterwards, in MiB. */
  static double heapAfterGcMiB(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    return heapUsedMiB(jcmd(pid, "GC.heap_info"));
  }

  /**
   * The used heap in a {@code jcmd GC.heap_info} answer: the sum of the top-level heap lines
   * (serial: new + tenured generation; parallel: PSYoungGen + ParOldGen; G1: garbage-first heap),
   * not the nested spaces and not Metaspace, which is not heap.
   */
  static double heapUsedMiB(String heapInfo) {
    long usedKiB = 0;
    boolean found = false;
    for (String line : heapInfo.split("\n")) {
      Matcher m = HEAP_LINE.matcher(line);
      if (m.find() && !m.group(1).startsWith("Metaspace") && !m.group(1).startsWith("class space")) {
        usedKiB += Long.parseLong(m.group(2));
        found = true;
      }
    }
    if (!found) {
      throw new IllegalArgumentException("no heap line in GC.heap_info: " + heapInfo);
    }
    return usedKiB / 1024.0;
  }

  private static long statusField(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
      }
    }
    throw new IOException("no " + field + " in /proc/" + pid + "/status");
  }

  static String jcmd(long pid, String... command) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(
        List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("jcmd " + pid + " " + String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}
