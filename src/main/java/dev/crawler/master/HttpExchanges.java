package dev.crawler.master;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.crawler.support.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/** Small helpers for reading requests and writing JSON responses on JDK's HttpServer. */
final class HttpExchanges {
  private HttpExchanges() {}

  static final int MAX_BODY_BYTES = 64 * 1024;

  /** Thrown when a request body exceeds {@link #MAX_BODY_BYTES}. */
  static final class BodyTooLargeException extends IOException {
    BodyTooLargeException() {
      super("request body larger than " + MAX_BODY_BYTES + " bytes");
    }
  }

  static byte[] readBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
      if (body.length > MAX_BODY_BYTES) {
        throw new BodyTooLargeException();
      }
      return body;
    }
  }

  /** The request body as a JSON object; the exception says what is wrong, with {@code example} of a good body. */
  static JsonNode jsonObject(byte[] body, String example) throws BadRequestException {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      throw new BadRequestException("body is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new BadRequestException("body must be a JSON object like " + example);
    }
    return root;
  }

  static void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes;
    try {
      bytes = Json.MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IOException(e);
    }
    send(exchange, status, "application/json", bytes);
  }

  static void sendError(HttpExchange exchange, int status, String message) throws IOException {
    sendJson(exchange, status, Map.of("error", message));
  }

  static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    if (contentType != null && body.length > 0) {
      exchange.getResponseHeaders().set("Content-Type", contentType);
    }
    if (status == 204 || body.length == 0) {
      exchange.sendResponseHeaders(status, -1);
    } else {
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
    exchange.close();
  }
}
