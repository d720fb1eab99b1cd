package dev.crawler;

import dev.crawler.support.HttpLimits;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: one jar, two subcommands. Usage errors exit with code 2 (picocli's default). */
@Command(
    name = "crawler-master",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "CrawlerMaster: a Kubernetes operator and a highly available crawler master replica.",
    subcommands = {dev.crawler.operator.OperatorCommand.class, dev.crawler.master.MasterCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    HttpLimits.apply();
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: use 'operator' or 'master'.");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"crawler-master " + (v == null ? "dev" : v)};
    }
  }
}
