package dev.crawler.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one launcher of child JVMs of this project for tests and harnesses: {@code dev.crawler.Main
 * <subcommand> ...} on the test classpath, its output appended to a log file, with none of the
 * environment variables the subcommands read inherited from the test run (so only the flags and
 * the {@code env} given count). {@link Child} is the handle: real signals, exit, log, kill.
 */
public final class TestingJvm {
  private TestingJvm() {}

  /** Small, fast-starting JVMs: several replicas and workers share 2 cores in tests. */
  public static final List<String> SMALL_JVM_FLAGS =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx128m", "-XX:-UsePerfData");

  /** Like {@link #SMALL_JVM_FLAGS} with room for an operator's informer caches. */
  public static final List<String> OPERATOR_JVM_FLAGS =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx256m", "-XX:-UsePerfData");

  /** The command line: {@code launcher} (e.g. {@code ip netns exec <ns>}), java, flags, classpath, Main, args. */
  public static List<String> command(List<String> launcher, List<String> jvmFlags, List<String> mainArgs) {
    return command(launcher, jvmFlags, "dev.crawler.Main", mainArgs);
  }

  /** Like {@link #command(List, List, List)} with another main class of the test classpath. */
  public static List<String> command(List<String> launcher, List<String> jvmFlags, String mainClass, List<String> args) {
    List<String> command = new ArrayList<>(launcher);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    return command;
  }

  /** The process builder for {@code command}, with the test run's settings variables removed and {@code env} set. */
  public static ProcessBuilder builder(List<String> command, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("CRAWLER_") || k.startsWith("ETCD_")
        || k.startsWith("KUBERNETES_") || k.equals("POD_NAME") || k.equals("POD_NAMESPACE") || k.equals("KUBECONFIG"));
    pb.environment().putAll(env);
    return pb;
  }

  /** Starts {@code dev.crawler.Main mainArgs}; {@code name} is what messages call it. */
  public static Child start(String name, List<String> launcher, List<String> jvmFlags, List<String> mainArgs,
      Map<String, String> env, Path logFile) throws IOException {
    ProcessBuilder pb = builder(command(launcher, jvmFlags, mainArgs), env);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    return new Child(name, pb.start(), logFile);
  }

  /** A started child JVM. */
  public static final class Child implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path logFile;

    Child(String name, Process process, Path logFile) {
      this.name = name;
      this.process = process;
      this.logFile = logFile;
    }

    public long pid() {
      return process.pid();
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    public Path logFile() {
      return logFile;
    }

    /** The exit code; only once it exited. */
    public int exitValue() {
      return process.exitValue();
    }

    /** Sends a real signal by name (TERM, KILL, STOP, CONT, ...) with kill(1). */
    public void signal(String sig) throws IOException, InterruptedException {
      Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IOException("kill -" + sig + " " + pid() + " (" + name + ") failed");
      }
    }

    /** Waits for the exit and returns its code; fails, with the log, when it did not exit in time. */
    public int awaitExit(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + " did not exit within " + timeout + "; log:\n" + log());
      }
      return process.exitValue();
    }

    /** Fails, with the log, when the process has exited. */
    public void requireAlive() {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + "; log:\n" + log());
      }
    }

    public String log() {
      try {
        return Files.readString(logFile);
      } catch (IOException e) {
        return "(cannot read " + logFile + ": " + e + ")";
      }
    }

    /** Kills the process with SIGKILL (works on a stopped process too) and waits for it. */
    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
