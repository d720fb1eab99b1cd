package dev.crawler.operator;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "operator", mixinStandardHelpOptions = true, description = "Run the CrawlerMaster operator.")
public final class OperatorCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 0;
  }
}
