package dev.crawler.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away CA with a server certificate for etcd (valid for 127.0.0.1, ::1 and localhost) and
 * client certificates on demand, made with the real {@code openssl} CLI in a temporary directory.
 * Keys are RSA; {@link #client} writes PKCS#8 keys as {@code openssl} does by default,
 * {@link #pkcs1Key} converts one to the PKCS#1 form some issuers write.
 */
public final class TestingCertificates implements AutoCloseable {
  private final Path dir;
  private final String name;

  private TestingCertificates(Path dir, String name) {
    this.dir = dir;
    this.name = name;
  }

  /** A new CA called {@code name} and a server certificate signed by it. */
  public static TestingCertificates newCa(String name) throws IOException {
    TestingCertificates certs = new TestingCertificates(Files.createTempDirectory("testing-certs-" + name), name);
    certs.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=" + name, "-keyout", "ca.key", "-out", "ca.crt");
    certs.sign("server", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
    return certs;
  }

  /** A client certificate with common name {@code cn}, signed by this CA; its files are {@code <cn>.crt}, {@code <cn>.key}. */
  public TestingCertificates client(String cn) throws IOException {
    sign(cn, "extendedKeyUsage=clientAuth\n");
    return this;
  }

  /** The key of {@code cn} in PKCS#1 form ("BEGIN RSA PRIVATE KEY"). */
  public Path pkcs1Key(String cn) throws IOException {
    openssl("pkey", "-in", cn + ".key", "-traditional", "-out", cn + ".pkcs1.key");
    return dir.resolve(cn + ".pkcs1.key");
  }

  public Path ca() {
    return dir.resolve("ca.crt");
  }

  public Path cert(String cn) {
    return dir.resolve(cn + ".crt");
  }

  public Path key(String cn) {
    return dir.resolve(cn + ".key");
  }

  public String name() {
    return name;
  }

  private void sign(String cn, String extensions) throws IOException {
    Files.writeString(dir.resolve(cn + ".ext"), extensions);
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + cn, "-keyout", cn + ".key", "-out", cn + ".csr");
    openssl("x509", "-req", "-in", cn + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", cn + ".ext", "-out", cn + ".crt");
  }

  private void openssl(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Path log = dir.resolve("openssl.log");
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + " failed:\n" + Files.readString(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
