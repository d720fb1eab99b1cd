package dev.crawler.testing;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.options.OptionsUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Sets up etcd's own authentication through the real Auth API, as an administrator would with
 * {@code etcdctl user add / role add / role grant-permission --prefix / auth enable}: a root user,
 * and users whose roles grant one access type on key prefixes.
 */
public final class TestingEtcdAuth {
  public static final String ROOT = "root";
  public static final String ROOT_PASSWORD = "root-secret";

  private final Auth auth;

  private TestingEtcdAuth(Auth auth) {
    this.auth = auth;
  }

  /** Uses {@code admin} (a client connected before auth is enabled) and creates the root user. */
  public static TestingEtcdAuth withRoot(Client admin) throws Exception {
    TestingEtcdAuth a = new TestingEtcdAuth(admin.getAuthClient());
    a.auth.userAdd(bytes(ROOT), bytes(ROOT_PASSWORD)).get(10, TimeUnit.SECONDS);
    a.auth.userGrantRole(bytes(ROOT), bytes(ROOT)).get(10, TimeUnit.SECONDS);
    return a;
  }

  /**
   * A user {@code name} with password {@code password} and a role of the same name that grants
   * {@code type} on every key under each {@code prefix} (with {@code --prefix}: the key range
   * {@code [prefix, prefixEnd)}).
   */
  public TestingEtcdAuth user(String name, String password, Permission.Type type, String... prefixes) throws Exception {
    auth.roleAdd(bytes(name)).get(10, TimeUnit.SECONDS);
    for (String prefix : prefixes) {
      ByteSequence key = bytes(prefix);
      auth.roleGrantPermission(bytes(name), key, OptionsUtil.prefixEndOf(key), type).get(10, TimeUnit.SECONDS);
    }
    auth.userAdd(bytes(name), bytes(password)).get(10, TimeUnit.SECONDS);
    auth.userGrantRole(bytes(name), bytes(name)).get(10, TimeUnit.SECONDS);
    return this;
  }

  /** Turns authentication on; from now on every request needs a user (or a client certificate's CN). */
  public void enable() throws Exception {
    auth.authEnable().get(10, TimeUnit.SECONDS);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
