package dev.crawler.bench;

import dev.crawler.testing.TestingJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child JVM started by {@link TestingJvm} with lean flags (2-core machine: serial GC, C1 only),
 * its output appended to a log file and its stdout lines kept so the harness can wait for a
 * protocol line. Signals are real: {@link #sigterm()} and {@link #sigkill()}.
 */
final class ChildJvm implements AutoCloseable {
  static final List<String> JVM_FLAGS =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx256m");

  private final String name;
  private final Process process;
  private final List<String> lines = new ArrayList<>();

  private ChildJvm(String name, Process process, Path log) throws IOException {
    this.name = name;
    this.process = process;
    PrintWriter out =
        new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND), true);
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  out.println(line);
                  synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                  }
                }
              } catch (IOException ignored) {
                // process gone
              } finally {
                out.close();
              }
            },
            "pump-" + name);
    pump.setDaemon(true);
    pump.start();
  }

  static ChildJvm start(
      String name, Path logDir, Map<String, String> env, String mainClass, List<String> args)
      throws IOException {
    ProcessBuilder pb = TestingJvm.builder(TestingJvm.command(List.of(), JVM_FLAGS, mainClass, args), env);
    Files.createDirectories(logDir);
    return new ChildJvm(name, pb.start(), logDir.resolve(name + ".log"));
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for a stdout line starting with {@code prefix}, seen at or after line {@code from}. */
  String awaitLine(String prefix, int from, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      int i = from;
      while (true) {
        for (; i < lines.size(); i++) {
          if (lines.get(i).startsWith(prefix)) {
            return lines.get(i);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && i >= lines.size())) {
          throw new TimeoutException(
              name + ": no line '" + prefix + "' within " + timeout + " (alive=" + process.isAlive() + ")");
        }
        TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
      }
    }
  }

  String awaitLine(String prefix, Duration timeout) throws InterruptedException, TimeoutException {
    return awaitLine(prefix, 0, timeout);
  }

  void sigterm() {
    process.toHandle().destroy();
  }

  void sigkill() {
    process.toHandle().destroyForcibly();
  }

  boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
