package dev.crawler.worker;

import dev.crawler.support.Json;
import java.io.IOException;
import java.io.PrintStream;

/** One JSON line per page on standard output (the worker logs to standard error). */
public final class StdoutSink implements PageSink {
  private final PrintStream out;

  public StdoutSink(PrintStream out) {
    this.out = out;
  }

  @Override
  public synchronized void write(PageRecord page) throws IOException {
    out.println(Json.MAPPER.writeValueAsString(page));
    out.flush();
  }

  @Override
  public void close() {
    out.flush();
  }
}
