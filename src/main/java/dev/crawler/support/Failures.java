package dev.crawler.support;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Reading the failures of asynchronous etcd calls, which arrive wrapped by the futures that carry them. */
public final class Failures {
  private Failures() {}

  /** The failure itself, without the {@link CompletionException} / {@link ExecutionException} wrappers. */
  public static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** A short text for a person: the unwrapped failure's message, or its type when it has none. */
  public static String describe(Throwable error) {
    Throwable t = unwrap(error);
    if (t instanceof TimeoutException) {
      return "etcd did not answer within the request timeout";
    }
    String message = t.getMessage();
    return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
  }

  /** The innermost cause with its type, for logs: {@code Type: message}. */
  public static String rootMessage(Throwable error) {
    Throwable c = error;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getClass().getSimpleName() + ": " + c.getMessage();
  }
}
