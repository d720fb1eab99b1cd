package dev.crawler.worker;

import java.io.IOException;

/**
 * Where fetched pages go. A crawl hands a page to its sink only after the page is recorded in the
 * resource's progress, so a worker whose resource moved away emits nothing for pages it could not
 * record. Add a sink (a queue, an object store) by implementing this and choosing it in
 * {@link WorkerConfig#sinks}.
 */
public interface PageSink extends AutoCloseable {
  void write(PageRecord page) throws IOException;

  @Override
  void close() throws IOException;
}
