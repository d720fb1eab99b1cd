package dev.crawler.master;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "master", mixinStandardHelpOptions = true, description = "Run one crawler master replica.")
public final class MasterCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 0;
  }
}
