package dev.crawler;

import dev.crawler.support.HttpLimits;
import dev.crawler.support.LogLevel;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: one jar, two subcommands. Usage errors exit with code 2 (picocli's default). */
@Command(
    name = "crawler-master",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "CrawlerMaster: a Kubernetes operator, a highly available crawler master replica, a crawl worker.",
    subcommands = {
      dev.crawler.operator.OperatorCommand.class,
      dev.crawler.master.MasterCommand.class,
      dev.crawler.worker.WorkerCommand.class,
      dev.crawler.site.DemoSiteCommand.class
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Read by {@link LogLevel#apply} before picocli runs; declared here so every subcommand accepts and lists it. */
  @CommandLine.Option(
      names = LogLevel.FLAG,
      scope = CommandLine.ScopeType.INHERIT,
      paramLabel = "LEVEL",
      description = "error, warn, info, debug or trace (env " + LogLevel.ENV + "; default info).")
  String logLevel;

  public static void main(String[] args) {
    try {
      LogLevel.apply(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    }
    HttpLimits.apply();
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: use 'operator', 'master' or 'worker'.");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"crawler-master " + (v == null ? "dev" : v)};
    }
  }
}
