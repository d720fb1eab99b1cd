package dev.crawler.master;

/** A client sent something we cannot accept; the message says what and is returned as {@code {"error": ...}}. */
public final class BadRequestException extends Exception {
  public BadRequestException(String message) {
    super(message);
  }
}
