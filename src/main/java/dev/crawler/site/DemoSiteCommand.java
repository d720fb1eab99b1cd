package dev.crawler.site;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code demo-site}: serve the generated site that the demo, the tests and the e2e crawl. */
@Command(
    name = "demo-site",
    mixinStandardHelpOptions = true,
    description = "Serve a generated site to crawl (pages linked as a tree, robots.txt, slow, failing and"
        + " oversized pages). For demos and tests: bind it where only your own workers reach it.")
public final class DemoSiteCommand implements Callable<Integer> {
  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default 127.0.0.1).")
  String bind;

  @Option(names = "--port", defaultValue = "8080", description = "Port (default 8080).")
  int port;

  @Option(names = "--pages", defaultValue = "500", description = "Pages /p/1 … /p/N (default 500).")
  int pages;

  @Option(names = "--fanout", defaultValue = "4", description = "Links from each page to the next level (default 4).")
  int fanout;

  @Option(names = "--disallow-all", description = "robots.txt disallows everything.")
  boolean disallowAll;

  @Override
  public Integer call() throws Exception {
    DemoSite site = DemoSite.start(bind, port, pages, fanout, disallowAll);
    System.err.println("demo site on " + site.base(bind) + " (" + pages + " pages, fanout " + fanout + ")");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      site.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }
}
