package dev.crawler.worker;

import dev.crawler.api.PrivateAddresses;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.util.Timeout;

/**
 * Fetches one URL with bounded cost: connect and read timeouts, a whole-fetch deadline, a body
 * cap, no automatic redirects (a redirect's target is handed back as a link, so the crawl's own
 * rules decide about it) and no retries. Names are resolved by this fetcher's own resolver, which
 * refuses private, loopback and link-local addresses unless allowed: the address checked is the
 * address connected to, so a name that resolves to such an address cannot smuggle a crawl inside.
 */
public final class PageFetcher implements AutoCloseable {
  public static final int DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
  public static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(5);
  public static final Timeout READ_TIMEOUT = Timeout.ofSeconds(10);
  /** A body that trickles in within the read timeout still ends here. */
  public static final long FETCH_DEADLINE_MILLIS = 30_000;
  public static final String USER_AGENT = "crawler-master-worker";

  /** What one fetch gave: a status and body, or the kind of failure and a message. */
  public record Result(
      int status, String contentType, byte[] body, long bytes, String location, FetchError error, String message) {
    public boolean ok() {
      return error == null && status >= 200 && status < 300;
    }
  }

  /** Thrown by the resolver for a name whose every address is one this worker may not reach. */
  static final class PrivateAddressException extends UnknownHostException {
    PrivateAddressException(String message) {
      super(message);
    }
  }

  private final CloseableHttpClient client;
  private final int maxBodyBytes;

  public PageFetcher(boolean allowPrivateTargets, int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
    PoolingHttpClientConnectionManager connections = PoolingHttpClientConnectionManagerBuilder.create()
        .setDnsResolver(resolver(allowPrivateTargets))
        .setDefaultConnectionConfig(ConnectionConfig.custom()
            .setConnectTimeout(CONNECT_TIMEOUT)
            .setSocketTimeout(READ_TIMEOUT)
            .build())
        .setMaxConnTotal(64)
        .setMaxConnPerRoute(8)
        .build();
    this.client = HttpClients.custom()
        .setConnectionManager(connections)
        .setDefaultRequestConfig(RequestConfig.custom()
            .setRedirectsEnabled(false)
            .setResponseTimeout(READ_TIMEOUT)
            .build())
        .setUserAgent(USER_AGENT)
        .disableAutomaticRetries()
        .disableCookieManagement()
        .build();
  }

  static DnsResolver resolver(boolean allowPrivateTargets) {
    DnsResolver system = SystemDefaultDnsResolver.INSTANCE;
    if (allowPrivateTargets) {
      return system;
    }
    return new DnsResolver() {
      @Override
      public InetAddress[] resolve(String host) throws UnknownHostException {
        InetAddress[] all = system.resolve(host);
        InetAddress[] allowed = Arrays.stream(all).filter(a -> !PrivateAddresses.isPrivate(a)).toArray(InetAddress[]::new);
        if (allowed.length == 0) {
          throw new PrivateAddressException(host + " resolves to " + Arrays.toString(all)
              + ": a loopback, private or link-local address, which this worker refuses"
              + " (start it with --allow-private-targets to crawl such addresses)");
        }
        return allowed;
      }

      @Override
      public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return system.resolveCanonicalHostname(host);
      }
    };
  }

  /**
   * Fetches {@code url}; {@code inFlight} holds the request while it runs, so another thread can
   * abort it with {@link HttpGet#cancel()}.
   */
  public Result fetch(String url, AtomicReference<HttpGet> inFlight) {
    HttpGet get;
    try {
      get = new HttpGet(URI.create(url));
    } catch (IllegalArgumentException e) {
      return failure(FetchError.OTHER, "invalid URL: " + e.getMessage());
    }
    inFlight.set(get);
    long deadline = System.currentTimeMillis() + FETCH_DEADLINE_MILLIS;
    try {
      return client.execute(get, response -> {
        int status = response.getCode();
        HttpEntity entity = response.getEntity();
        String type = entity == null || entity.getContentType() == null ? null : entity.getContentType();
        Header location = response.getFirstHeader("Location");
        String target = location == null ? null : URI.create(url).resolve(location.getValue().trim()).toString();
        byte[] body = new byte[0];
        long length = 0;
        if (entity != null) {
          if (entity.getContentLength() > maxBodyBytes) {
            return new Result(status, type, null, entity.getContentLength(), target, FetchError.TOO_LARGE,
                "body of " + entity.getContentLength() + " bytes is over the cap of " + maxBodyBytes);
          }
          try (InputStream in = entity.getContent()) {
            byte[] buf = new byte[Math.min(maxBodyBytes + 1, 64 * 1024)];
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (int n; (n = in.read(buf)) != -1; ) {
              out.write(buf, 0, n);
              length += n;
              if (length > maxBodyBytes) {
                get.cancel();
                return new Result(status, type, null, length, target, FetchError.TOO_LARGE,
                    "body over the cap of " + maxBodyBytes + " bytes");
              }
              if (System.currentTimeMillis() > deadline) {
                get.cancel();
                return new Result(status, type, null, length, target, FetchError.TIMEOUT,
                    "body not complete within " + FETCH_DEADLINE_MILLIS + " ms");
              }
            }
            body = out.toByteArray();
          }
        }
        FetchError error = status >= 500 ? FetchError.HTTP_5XX : status >= 400 ? FetchError.HTTP_4XX : null;
        return new Result(status, type, body, length, target, error, error == null ? null : "HTTP " + status);
      });
    } catch (IOException e) {
      return classify(e);
    } catch (RuntimeException e) {
      return failure(FetchError.OTHER, e.toString());
    } finally {
      inFlight.set(null);
    }
  }

  static Result classify(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof PrivateAddressException) {
        return failure(FetchError.PRIVATE_ADDRESS, t.getMessage());
      }
      if (t instanceof UnknownHostException) {
        return failure(FetchError.DNS, "unknown host " + t.getMessage());
      }
      if (t instanceof ConnectTimeoutException || t instanceof SocketTimeoutException) {
        return failure(FetchError.TIMEOUT, t.getMessage());
      }
      if (t instanceof HttpHostConnectException || t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return failure(FetchError.CONNECT, t.getMessage());
      }
      if (t instanceof InterruptedIOException) {
        return failure(FetchError.TIMEOUT, "aborted: " + t.getMessage());
      }
    }
    return failure(FetchError.OTHER, e.toString());
  }

  private static Result failure(FetchError error, String message) {
    return new Result(0, null, null, 0, null, error, message);
  }

  /** The MIME type of a Content-Type header, lower case, or empty. */
  public static Optional<String> mimeType(String contentType) {
    if (contentType == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(ContentType.parse(contentType).getMimeType().toLowerCase(java.util.Locale.ROOT));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() throws IOException {
    client.close();
  }
}
