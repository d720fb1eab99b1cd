package dev.crawler.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces for the masters of a chaos run, so that partitions are real packet drops:
 * one namespace per master ({@code crchaos-m<i>}, address 10.89.0.1x) joined by veth pairs to the
 * bridge {@code crchaos0}, which holds 10.89.0.1 where the etcd members listen. The namespaces
 * have no default route and nothing is masqueraded, so nothing in them reaches beyond this
 * machine. Partitions are iptables DROP rules inside a master's namespace; healing flushes them.
 * Everything this run creates is named {@code crchaos*}, which {@link #removeLeftovers} (and
 * {@code hack/chaos.sh down}) clears even after a crashed run.
 */
public final class ChaosNetwork implements AutoCloseable {
  public static final String PREFIX = "crchaos";
  static final String BRIDGE = PREFIX + "0";
  public static final String HOST_IP = "10.89.0.1";
  private static final String COMMENT = PREFIX;

  private final int masters;

  private ChaosNetwork(int masters) {
    this.masters = masters;
  }

  /** Why partitions cannot be made here, or empty when they can (root, {@code ip netns}, iptables). */
  public static Optional<String> unavailableBecause() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("not running as root");
    }
    try {
      if (run(List.of("ip", "netns", "list")) != 0) {
        return Optional.of("'ip netns' does not work here");
      }
      if (run(List.of("iptables", "-S", "FORWARD")) != 0) {
        return Optional.of("iptables does not work here");
      }
    } catch (IOException e) {
      return Optional.of("ip or iptables is missing: " + e.getMessage());
    }
    return Optional.empty();
  }

  /** Creates the bridge and one namespace per master; on failure removes what it made. */
  public static ChaosNetwork create(int masters) throws IOException {
    removeLeftovers();
    ChaosNetwork net = new ChaosNetwork(masters);
    try {
      must("ip", "link", "add", BRIDGE, "type", "bridge");
      must("ip", "addr", "add", HOST_IP + "/24", "dev", BRIDGE);
      must("ip", "link", "set", BRIDGE, "up");
      // Where bridged packets pass iptables (br_netfilter), let the masters' traffic through.
      must("iptables", "-I", "FORWARD", "-i", BRIDGE, "-o", BRIDGE, "-j", "ACCEPT", "-m", "comment", "--comment", COMMENT);
      for (int i = 0; i < masters; i++) {
        String ns = namespace(i);
        String host = PREFIX + "-m" + i + "h";
        String inside = PREFIX + "-m" + i + "c";
        must("ip", "netns", "add", ns);
        must("ip", "link", "add", host, "type", "veth", "peer", "name", inside);
        must("ip", "link", "set", host, "master", BRIDGE);
        must("ip", "link", "set", host, "up");
        must("ip", "link", "set", inside, "netns", ns);
        must("ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", inside);
        must("ip", "-n", ns, "link", "set", inside, "up");
        must("ip", "-n", ns, "link", "set", "lo", "up");
      }
    } catch (IOException | RuntimeException e) {
      removeLeftovers();
      throw e;
    }
    return net;
  }

  public static String namespace(int i) {
    return PREFIX + "-m" + i;
  }

  public static String address(int i) {
    return "10.89.0." + (11 + i);
  }

  /** The command prefix that runs a program in master {@code i}'s namespace. */
  public List<String> launcher(int i) {
    return List.of("ip", "netns", "exec", namespace(i));
  }

  /** Master {@code i} can no longer reach etcd's client ports (its packets to them are dropped). */
  public void cutFromEtcd(int i, List<Integer> etcdPorts) throws IOException {
    for (int port : etcdPorts) {
      must(inNs(i, "iptables", "-A", "OUTPUT", "-d", HOST_IP, "-p", "tcp", "--dport", Integer.toString(port),
          "-j", "DROP", "-m", "comment", "--comment", COMMENT));
    }
  }

  /** Master {@code i} and every other master no longer reach each other, in both directions. */
  public void cutFromMasters(int i) throws IOException {
    for (int j = 0; j < masters; j++) {
      if (j != i) {
        must(inNs(i, "iptables", "-A", "OUTPUT", "-d", address(j), "-j", "DROP", "-m", "comment", "--comment", COMMENT));
        must(inNs(i, "iptables", "-A", "INPUT", "-s", address(j), "-j", "DROP", "-m", "comment", "--comment", COMMENT));
      }
    }
  }

  /** Removes every partition rule of master {@code i}. */
  public void heal(int i) throws IOException {
    must(inNs(i, "iptables", "-F", "OUTPUT"));
    must(inNs(i, "iptables", "-F", "INPUT"));
  }

  private static List<String> inNs(int i, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace(i)));
    full.addAll(List.of(command));
    return full;
  }

  /**
   * Removes every namespace, link and FORWARD rule named {@code crchaos*}, killing what still runs
   * in those namespaces. Idempotent; errors are ignored (best effort, like a trap).
   */
  public static void removeLeftovers() {
    try {
      for (String line : output(List.of("ip", "netns", "list")).split("\n")) {
        String ns = line.split(" ")[0];
        if (ns.startsWith(PREFIX + "-")) {
          for (String pid : output(List.of("ip", "netns", "pids", ns)).split("\\s+")) {
            if (!pid.isBlank()) {
              run(List.of("kill", "-KILL", pid.trim()));
            }
          }
          run(List.of("ip", "netns", "del", ns));
        }
      }
      for (String line : output(List.of("ip", "-o", "link", "show")).split("\n")) {
        String[] parts = line.split(":\\s+");
        if (parts.length > 1) {
          String name = parts[1].split("@")[0];
          if (name.startsWith(PREFIX)) {
            run(List.of("ip", "link", "del", name));
          }
        }
      }
      while (run(List.of("iptables", "-D", "FORWARD", "-i", BRIDGE, "-o", BRIDGE, "-j", "ACCEPT",
          "-m", "comment", "--comment", COMMENT)) == 0) {
        // one rule per run, but a crashed run may have left several
      }
    } catch (IOException e) {
      // ip or iptables missing: nothing of ours can exist
    }
  }

  @Override
  public void close() {
    removeLeftovers();
  }

  private static void must(String... command) throws IOException {
    must(List.of(command));
  }

  private static void must(List<String> command) throws IOException {
    Finished f = runToFile(command);
    if (f.exit() != 0) {
      throw new IOException(String.join(" ", command)
          + (f.exit() == TIMED_OUT ? " did not finish within 20 s" : " failed") + ": " + f.output().trim());
    }
  }

  private static final int TIMED_OUT = -1;

  private record Finished(int exit, String output) {}

  /**
   * Runs {@code command} with its output going to a temporary file, not a pipe: reading a pipe
   * blocks until the process exits, so the 20 s limit would never apply. A process still running
   * after 20 s is killed ({@link #TIMED_OUT}).
   */
  private static Finished runToFile(List<String> command) throws IOException {
    Path outFile = Files.createTempFile("crchaos-", ".out");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.to(outFile.toFile())).start();
      int exit;
      try {
        if (p.waitFor(20, TimeUnit.SECONDS)) {
          exit = p.exitValue();
        } else {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
          exit = TIMED_OUT;
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted: " + String.join(" ", command), e);
      }
      return new Finished(exit, new String(Files.readAllBytes(outFile), StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(outFile);
    }
  }

  static int run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String output(List<String> command) throws IOException {
    return runToFile(command).output();
  }
}
