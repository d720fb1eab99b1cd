package dev.crawler.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * What a client needs to be let into an etcd: the CA that signed etcd's server certificate, an
 * optional client certificate and key, an optional user name and password. All PEM and all
 * optional; {@link #NONE} is plain access. {@link #connect} builds the jetcd client, the one place
 * that turns this material into TLS and credentials for both the master and the operator.
 *
 * <p>Equality is by content ({@link #digest}), so clients can be shared by what they present.
 */
public final class EtcdCredentials {
  public static final EtcdCredentials NONE = new EtcdCredentials(null, null, null, null, null);

  /** The material cannot be used; {@link #item} names which part. */
  public static final class InvalidMaterialException extends Exception {
    private final String item;

    public InvalidMaterialException(String item, String message) {
      super(item + ": " + message);
      this.item = item;
    }

    /** Which part: "ca", "cert", "key", "username" or "password", as the caller named them. */
    public String item() {
      return item;
    }
  }

  private final byte[] caPem;
  private final byte[] certPem;
  private final byte[] keyPem;
  private final String username;
  private final byte[] password;
  private final String digest;

  /**
   * @param caPem CA certificates (PEM) that etcd's server certificate must chain to; null: the
   *     system's trust store
   * @param certPem client certificate chain (PEM); with {@code keyPem} or not at all
   * @param keyPem the client certificate's private key: PKCS#8 PEM or PKCS#1 RSA PEM
   * @param username etcd user; with {@code password} or not at all
   */
  public EtcdCredentials(byte[] caPem, byte[] certPem, byte[] keyPem, String username, byte[] password) {
    this.caPem = copy(caPem);
    this.certPem = copy(certPem);
    this.keyPem = copy(keyPem);
    this.username = username;
    this.password = copy(password);
    this.digest = digestOf(this.caPem, this.certPem, this.keyPem,
        username == null ? null : username.getBytes(StandardCharsets.UTF_8), this.password);
  }

  public boolean hasTls() {
    return caPem != null || certPem != null;
  }

  /** SHA-256 over all the material, hex: equal material, equal digest. Reveals nothing of it. */
  public String digest() {
    return digest;
  }

  /**
   * A jetcd client for the endpoints (all http or all https) with this material. Reads the PEM
   * now, so unreadable material fails here, not at the first call.
   */
  public Client connect(List<URI> endpoints, Duration connectTimeout) throws InvalidMaterialException {
    // Not waitForReady: a call on a channel whose connection fails (refused, TLS handshake) fails
    // with that cause instead of waiting until the caller's timeout, so it can be reported.
    ClientBuilder builder = Client.builder().target(target(endpoints)).connectTimeout(connectTimeout)
        .waitForReady(false);
    if (endpoints.stream().anyMatch(u -> "https".equals(u.getScheme()))) {
      builder.sslContext(sslContext());
      // The name the server certificate must carry: the host as written in the first endpoint.
      builder.authority(endpoints.get(0).getHost());
    }
    if (username != null) {
      builder.user(ByteSequence.from(username, StandardCharsets.UTF_8)).password(ByteSequence.from(password));
    }
    return builder.build();
  }

  /**
   * jetcd's name resolver target for the endpoints: {@code ip:///host:port,host:port}. jetcd builds
   * the same from {@code endpoints(...)} but leaves an IPv6 literal's brackets raw, which is no
   * valid URI; escaped, the resolver reads them back as {@code [::1]:2379}.
   */
  static String target(List<URI> endpoints) {
    return "ip:///" + endpoints.stream()
        .map(u -> u.getHost().replace("[", "%5B").replace("]", "%5D") + ":" + u.getPort())
        .collect(Collectors.joining(","));
  }

  /** The TLS context of this material; checks that every PEM reads and the key suits the certificate. */
  public SslContext sslContext() throws InvalidMaterialException {
    SslContextBuilder tls = GrpcSslContexts.forClient();
    if (caPem != null) {
      tls.trustManager(certificates("ca", caPem));
    }
    if (certPem != null || keyPem != null) {
      if (certPem == null || keyPem == null) {
        throw new InvalidMaterialException(certPem == null ? "cert" : "key",
            "a client certificate needs both the certificate and its key");
      }
      X509Certificate[] chain = certificates("cert", certPem);
      PrivateKey key = privateKey(keyPem);
      if (chain[0].getPublicKey() instanceof RSAPublicKey pub && key instanceof RSAPrivateCrtKey priv
          && !pub.getModulus().equals(priv.getModulus())) {
        throw new InvalidMaterialException("key", "the private key does not belong to the client certificate");
      }
      tls.keyManager(key, chain);
    }
    try {
      return tls.build();
    } catch (SSLException e) {
      throw new InvalidMaterialException(certPem != null ? "cert" : "ca", e.getMessage());
    }
  }

  static X509Certificate[] certificates(String item, byte[] pem) throws InvalidMaterialException {
    try {
      X509Certificate[] certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem)).stream()
          .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
      if (certs.length == 0) {
        throw new InvalidMaterialException(item, "holds no PEM certificate");
      }
      return certs;
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new InvalidMaterialException(item, "is not a readable PEM certificate (" + e.getMessage() + ")");
    }
  }

  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
  private static final byte[] RSA_ALGORITHM = {
    0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00
  };

  /** A PKCS#8 key (RSA, EC or Ed25519) or a PKCS#1 RSA key, which cert-manager may also write. */
  static PrivateKey privateKey(byte[] pem) throws InvalidMaterialException {
    Matcher m = PEM_BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new InvalidMaterialException("key", "is not a PEM private key");
    }
    String type = m.group(1);
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new InvalidMaterialException("key", "is not valid base64 PEM");
    }
    byte[] pkcs8 = switch (type) {
      case "PRIVATE KEY" -> der;
      case "RSA PRIVATE KEY" -> sequence(concat(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tlv(0x04, der)));
      default -> throw new InvalidMaterialException("key", "is a \"" + type + "\" PEM block; use an unencrypted"
          + " PKCS#8 (BEGIN PRIVATE KEY) or PKCS#1 RSA (BEGIN RSA PRIVATE KEY) key, e.g. converted with"
          + " openssl pkcs8 -topk8 -nocrypt");
    };
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException | RuntimeException e) {
        // try the next algorithm
      }
    }
    throw new InvalidMaterialException("key", "is not a readable RSA, EC or Ed25519 private key");
  }

  /** A password as read from a file or Secret: trailing line breaks are not part of it. */
  public static byte[] withoutTrailingNewlines(byte[] b) {
    int n = b.length;
    while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r')) {
      n--;
    }
    return Arrays.copyOf(b, n);
  }

  private static byte[] sequence(byte[] content) {
    return tlv(0x30, content);
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static String digestOf(byte[]... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) {
        // Length-prefixed, so moving bytes from one part to the next changes the digest.
        int n = p == null ? -1 : p.length;
        sha.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        if (p != null) {
          sha.update(p);
        }
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] copy(byte[] b) {
    return b == null ? null : b.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EtcdCredentials other && digest.equals(other.digest);
  }

  @Override
  public int hashCode() {
    return digest.hashCode();
  }

  /** Never the material: which parts are present and the digest's start. */
  @Override
  public String toString() {
    return "EtcdCredentials[ca=" + (caPem != null) + ", cert=" + (certPem != null) + ", user="
        + Objects.requireNonNullElse(username, "-") + ", digest=" + digest.substring(0, 12) + "]";
  }
}
