package dev.crawler.support;

/** A setting of a command (a flag or its environment variable) is missing or invalid; the message names it and says what is expected. */
public final class InvalidConfigException extends Exception {
  public InvalidConfigException(String message) {
    super(message);
  }
}
