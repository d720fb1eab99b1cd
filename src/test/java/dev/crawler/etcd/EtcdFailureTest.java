package dev.crawler.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.common.exception.EtcdExceptionFactory;
import io.grpc.Status;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EtcdFailureTest {

  /** A failure as an etcd call delivers it, and the cause a person should act on. */
  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of(new CompletionException(EtcdExceptionFactory.toEtcdException(
            Status.PERMISSION_DENIED.withDescription("etcdserver: permission denied").asRuntimeException())),
            EtcdFailure.Kind.PERMISSION_DENIED),
        Arguments.of(new ExecutionException(EtcdExceptionFactory.toEtcdException(
            Status.INVALID_ARGUMENT.withDescription("etcdserver: authentication failed, invalid user ID or password")
                .asRuntimeException())),
            EtcdFailure.Kind.INVALID_CREDENTIALS),
        Arguments.of(Status.UNAUTHENTICATED.withDescription("etcdserver: invalid auth token").asRuntimeException(),
            EtcdFailure.Kind.INVALID_CREDENTIALS),
        Arguments.of(new CompletionException(Status.UNAVAILABLE.withDescription("io exception")
            .withCause(new SSLHandshakeException("PKIX path building failed")).asRuntimeException()),
            EtcdFailure.Kind.TLS_HANDSHAKE_FAILED),
        Arguments.of(Status.UNAVAILABLE.withDescription("io exception")
            .withCause(new ConnectException("Connection refused")).asRuntimeException(),
            EtcdFailure.Kind.UNREACHABLE),
        Arguments.of(new TimeoutException(), EtcdFailure.Kind.UNREACHABLE));
  }

  @ParameterizedTest
  @MethodSource("failures")
  void eachFailureIsClassifiedByItsCause(Throwable failure, EtcdFailure.Kind kind) {
    EtcdFailure f = EtcdFailure.of(failure);
    assertThat(f.kind()).isEqualTo(kind);
    assertThat(f.describe()).startsWith(kind.summary() + " (");
    assertThat(f.message()).doesNotContain("\n");
  }

  @org.junit.jupiter.api.Test
  void aFailedHandshakeIsDescribedByItsTlsErrorNotByTheTransport() {
    Throwable failure = Status.UNAVAILABLE.withDescription("io exception\nChannel Pipeline: [SslHandler#0]")
        .withCause(new SSLHandshakeException("PKIX path building failed")).asRuntimeException();
    assertThat(EtcdFailure.of(failure).message()).isEqualTo("PKIX path building failed");
  }
}
