package dev.crawler.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a child JVM of this project ({@code dev.crawler.Main <subcommand> ...} on the test
 * classpath), its output appended to a log file, with none of the environment variables the
 * subcommands read inherited from the test run (so only the flags given count).
 */
public final class TestingJvm {
  private TestingJvm() {}

  /** Small, fast-starting JVMs: several replicas and workers share 2 cores in tests. */
  public static final List<String> SMALL_JVM_FLAGS =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx128m", "-XX:-UsePerfData");

  /** The command line: {@code launcher} (e.g. {@code ip netns exec <ns>}), java, flags, classpath, Main, args. */
  public static List<String> command(List<String> launcher, List<String> jvmFlags, List<String> mainArgs) {
    List<String> command = new ArrayList<>(launcher);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.crawler.Main");
    command.addAll(mainArgs);
    return command;
  }

  public static Process start(
      List<String> launcher, List<String> jvmFlags, List<String> mainArgs, Map<String, String> env, Path logFile)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command(launcher, jvmFlags, mainArgs)).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("CRAWLER_") || k.equals("POD_NAME") || k.startsWith("ETCD_"));
    pb.environment().putAll(env);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    return pb.start();
  }
}
