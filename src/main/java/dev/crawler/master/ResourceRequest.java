package dev.crawler.master;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crawler.api.Resource;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /api/v1/resources}, validated: {@code name} and {@code url}, and
 * optionally the crawl's limits {@code maxPages} and {@code maxDepth} (absent: the defaults of
 * {@link Resource}).
 */
public record ResourceRequest(String name, String url, Integer maxPages, Integer maxDepth) {
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final int MAX_URL_LENGTH = 2048;

  /** As {@link #parse(byte[], CrawlTargets)} with {@link CrawlTargets#PUBLIC_ONLY}. */
  public static ResourceRequest parse(byte[] body) throws BadRequestException {
    return parse(body, CrawlTargets.PUBLIC_ONLY);
  }

  /** Parses and validates a request body; the exception message names the first problem found. */
  public static ResourceRequest parse(byte[] body, CrawlTargets targets) throws BadRequestException {
    JsonNode root = HttpExchanges.jsonObject(body, "{\"name\": \"...\", \"url\": \"...\"}");
    String name = text(root, "name");
    String url = text(root, "url");
    validateName(name);
    validateUrl(url, targets);
    Integer maxPages = optionalInt(root, "maxPages", Resource.MIN_MAX_PAGES, Resource.MAX_MAX_PAGES);
    Integer maxDepth = optionalInt(root, "maxDepth", Resource.MIN_MAX_DEPTH, Resource.MAX_MAX_DEPTH);
    return new ResourceRequest(name, url, maxPages, maxDepth);
  }

  /** The resource this request asks for, given to {@code worker} (null: nobody) in {@code term}. */
  public Resource toResource(String worker, long term) {
    return new Resource(name, url, worker, term, maxPages, maxDepth);
  }

  private static Integer optionalInt(JsonNode root, String field, int min, int max) throws BadRequestException {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < min || node.asInt() > max) {
      throw new BadRequestException("field '" + field + "' must be an integer from " + min + " to " + max);
    }
    return node.asInt();
  }

  private static String text(JsonNode root, String field) throws BadRequestException {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      throw new BadRequestException("missing field '" + field + "'");
    }
    if (!node.isTextual()) {
      throw new BadRequestException("field '" + field + "' must be a string");
    }
    return node.asText();
  }

  /** A resource name is a DNS label: 1-63 of a-z, 0-9 and '-', starting and ending alphanumeric. */
  public static void validateName(String name) throws BadRequestException {
    if (!DNS_LABEL.matcher(name).matches()) {
      throw new BadRequestException(
          "invalid name '" + name + "': use 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit");
    }
  }

  static void validateUrl(String url, CrawlTargets targets) throws BadRequestException {
    if (url.length() > MAX_URL_LENGTH) {
      throw new BadRequestException("invalid url: longer than " + MAX_URL_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new BadRequestException("invalid url '" + url + "': " + e.getReason());
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw new BadRequestException("invalid url '" + url + "': must be an absolute http or https URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new BadRequestException("invalid url '" + url + "': missing host");
    }
    if (uri.getRawUserInfo() != null) {
      throw new BadRequestException(
          "invalid url: credentials in the URL (user:password@) are not accepted; they would be stored and shown"
              + " to every client");
    }
    if (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@")) {
      throw new BadRequestException("invalid url: '@' in the host part is not accepted");
    }
    targets.check(url, uri);
  }
}
