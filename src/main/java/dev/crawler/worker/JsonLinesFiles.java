package dev.crawler.worker;

import dev.crawler.support.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One JSON line per page in files {@code pages-<worker>-<n>.jsonl} of a directory, a new file once
 * the current one reaches {@code rotateBytes}. A restarted worker continues with the next number,
 * so nothing written before is overwritten. Each line is flushed as written.
 */
public final class JsonLinesFiles implements PageSink {
  public static final long DEFAULT_ROTATE_BYTES = 64L * 1024 * 1024;

  private final Path dir;
  private final String prefix;
  private final long rotateBytes;
  private OutputStream out;
  private long written;
  private int index;

  public JsonLinesFiles(Path dir, String worker, long rotateBytes) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.prefix = "pages-" + worker + "-";
    this.rotateBytes = rotateBytes;
    try (var files = Files.list(dir)) {
      this.index = files.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(prefix) && n.endsWith(".jsonl"))
          .mapToInt(n -> parseIndex(n.substring(prefix.length(), n.length() - ".jsonl".length())))
          .max().orElse(-1);
    }
  }

  private static int parseIndex(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The file the next line goes to, once one was opened. */
  public synchronized Path current() {
    return dir.resolve(prefix + index + ".jsonl");
  }

  @Override
  public synchronized void write(PageRecord page) throws IOException {
    byte[] line = (Json.MAPPER.writeValueAsString(page) + "\n").getBytes(StandardCharsets.UTF_8);
    if (out == null || written > 0 && written + line.length > rotateBytes) {
      if (out != null) {
        out.close();
      }
      index++;
      out = Files.newOutputStream(current(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      written = 0;
    }
    out.write(line);
    out.flush();
    written += line.length;
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }
}
