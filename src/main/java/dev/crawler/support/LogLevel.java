package dev.crawler.support;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * The one log-level knob of both subcommands: {@code --log-level=error|warn|info|debug|trace}, else
 * the environment variable {@value #ENV}, else {@code info}. slf4j-simple reads its level once,
 * when the first logger is created, so {@link #apply} must run before any logger exists: it reads
 * the flag from the raw arguments ahead of picocli, which only validates and documents it.
 * Libraries keep the quieter levels of {@code simplelogger.properties} (gRPC, Netty, etcd) unless
 * the level asked for is quieter still.
 */
public final class LogLevel {
  private LogLevel() {}

  public static final String FLAG = "--log-level";
  public static final String ENV = "CRAWLER_LOG_LEVEL";
  public static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");
  static final String SIMPLE_LOGGER_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";
  /** Loggers whose level simplelogger.properties sets on its own; a quieter global level applies to them too. */
  private static final List<String> QUIET_LIBRARIES = List.of("io.grpc", "io.netty", "io.vertx", "io.etcd");

  /** Where the level came from, for the line that reports it. */
  public record Choice(String level, String source) {}

  /**
   * The level asked for: the last {@code --log-level} in {@code args} wins over {@code env}.
   *
   * @throws IllegalArgumentException naming the bad value and the accepted ones
   */
  public static Optional<Choice> choose(List<String> args, Map<String, String> env) {
    Choice chosen = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--")) {
        break;
      }
      if (a.startsWith(FLAG + "=")) {
        chosen = new Choice(valid(a.substring(FLAG.length() + 1), FLAG), FLAG);
      } else if (a.equals(FLAG) && i + 1 < args.size()) {
        chosen = new Choice(valid(args.get(++i), FLAG), FLAG);
      }
    }
    if (chosen == null && env.get(ENV) != null && !env.get(ENV).isBlank()) {
      chosen = new Choice(valid(env.get(ENV), ENV), ENV);
    }
    return Optional.ofNullable(chosen);
  }

  /** Sets slf4j-simple's level from the arguments and the environment; call before any logger is created. */
  public static void apply(String[] args, Map<String, String> env) {
    Optional<Choice> choice = choose(List.of(args), env);
    if (choice.isEmpty()) {
      return;
    }
    String level = choice.get().level();
    System.setProperty(SIMPLE_LOGGER_LEVEL, level);
    if (LEVELS.indexOf(level) < LEVELS.indexOf("warn")) {
      QUIET_LIBRARIES.forEach(lib -> System.setProperty("org.slf4j.simpleLogger.log." + lib, level));
    }
    LoggerFactory.getLogger(LogLevel.class).debug("log level {}, from {}", level, choice.get().source());
  }

  private static String valid(String value, String source) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(v)) {
      throw new IllegalArgumentException(
          "invalid " + source + " '" + value + "': use one of " + String.join(", ", LEVELS));
    }
    return v;
  }
}
