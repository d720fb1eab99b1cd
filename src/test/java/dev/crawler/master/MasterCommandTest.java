package dev.crawler.master;

import dev.crawler.support.InvalidConfigException;
import dev.crawler.support.Settings;
import dev.crawler.etcd.EtcdFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crawler.api.MasterEnv;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MasterCommandTest {
  private static final MasterConfig.Flags NO_FLAGS = new MasterConfig.Flags(null, null, null, null, null, null, null);

  private static final Map<String, String> FULL_ENV =
      Map.of(
          MasterEnv.POD_NAME, "demo-0",
          MasterEnv.POD_IP, "10.1.2.3",
          MasterEnv.ETCD_ENDPOINTS, "http://etcd-0:2379, http://etcd-1:2379",
          MasterEnv.KEY_PREFIX, "/crawler/ns/demo",
          MasterEnv.LEASE_TTL_SECONDS, "7",
          MasterEnv.PORT, "9090");

  @Test
  void environmentAloneConfiguresAReplica() throws Exception {
    MasterConfig config = MasterConfig.resolve(NO_FLAGS, FULL_ENV);
    assertThat(config.id()).isEqualTo("demo-0");
    assertThat(config.advertiseAddress()).isEqualTo("10.1.2.3:9090");
    assertThat(config.etcdEndpoints())
        .containsExactly(URI.create("http://etcd-0:2379"), URI.create("http://etcd-1:2379"));
    assertThat(config.layout().election()).isEqualTo("/crawler/ns/demo/election");
    assertThat(config.leaseTtl()).isEqualTo(Duration.ofSeconds(7));
    assertThat(config.port()).isEqualTo(9090);
    assertThat(config.bindHost()).isEqualTo("0.0.0.0");
  }

  @Test
  void flagsWinOverEnvironment() throws Exception {
    MasterConfig config =
        MasterConfig.resolve(
            new MasterConfig.Flags("m-1", "127.0.0.1:1234", "http://127.0.0.1:2379", "/p", "2", "127.0.0.1", "1234"),
            FULL_ENV);
    assertThat(config)
        .isEqualTo(
            new MasterConfig(
                "m-1",
                "127.0.0.1:1234",
                List.of(URI.create("http://127.0.0.1:2379")),
                new dev.crawler.api.KeyLayout("/p"),
                Duration.ofSeconds(2),
                "127.0.0.1",
                1234,
                0,
                Peers.sameHost("127.0.0.1:1234"),
                CrawlTargets.PUBLIC_ONLY));
  }

  @Test
  void defaultsApplyWhenOptionalSettingsAreMissing() throws Exception {
    MasterConfig config =
        MasterConfig.resolve(NO_FLAGS, Map.of(
            MasterEnv.POD_NAME, "a", MasterEnv.POD_IP, "10.0.0.1",
            MasterEnv.ETCD_ENDPOINTS, "http://e:2379", MasterEnv.KEY_PREFIX, "/p"));
    assertThat(config.port()).isEqualTo(MasterConfig.DEFAULT_PORT);
    assertThat(config.leaseTtl()).isEqualTo(Duration.ofSeconds(MasterConfig.DEFAULT_LEASE_TTL_SECONDS));
    assertThat(config.advertiseAddress()).isEqualTo("10.0.0.1:8080");
  }

  @Test
  void eachBadSettingIsNamed() {
    assertBad(without(MasterEnv.ETCD_ENDPOINTS), "missing --etcd-endpoints (or ETCD_ENDPOINTS)");
    assertBad(without(MasterEnv.POD_NAME), "missing --id (or POD_NAME)");
    assertBad(without(MasterEnv.KEY_PREFIX), "missing --prefix (or CRAWLER_KEY_PREFIX)");
    assertBad(without(MasterEnv.POD_IP), "missing --advertise-address");
    assertBad(with(MasterEnv.ETCD_ENDPOINTS, "etcd:2379"), "invalid --etcd-endpoints");
    assertBad(with(MasterEnv.KEY_PREFIX, "crawler/"), "invalid --prefix");
    assertBad(with(MasterEnv.LEASE_TTL_SECONDS, "1"), "invalid --lease-ttl (or CRAWLER_LEASE_TTL_SECONDS) '1'");
    assertBad(with(MasterEnv.LEASE_TTL_SECONDS, "ten"), "invalid --lease-ttl");
    assertBad(with(MasterEnv.PORT, "70000"), "invalid --port (or CRAWLER_PORT)");
    assertBad(with(MasterEnv.ADVERTISE_ADDRESS, "no-port"), "invalid --advertise-address");
  }

  @Test
  void missingSettingExitsWithCode2AndNamesIt() {
    StringWriter err = new StringWriter();
    CommandLine cmd = new CommandLine(new MasterCommand(without(MasterEnv.ETCD_ENDPOINTS)));
    cmd.setErr(new PrintWriter(err));
    int exit = cmd.execute("--port", "8081");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("missing --etcd-endpoints (or ETCD_ENDPOINTS)");
  }

  @Test
  void helpExitsWithCode0AndListsTheFlags() {
    StringWriter out = new StringWriter();
    CommandLine cmd = new CommandLine(new MasterCommand(Map.of()));
    cmd.setOut(new PrintWriter(out));
    assertThat(cmd.execute("--help")).isEqualTo(0);
    assertThat(out.toString()).contains("--etcd-endpoints", "--lease-ttl", "--advertise-address", "--prefix",
        "--etcd-ca-file", "--etcd-cert-file", "--etcd-key-file", "--etcd-username", "--etcd-password-file",
        MasterEnv.ETCD_CA_FILE, MasterEnv.ETCD_CERT_FILE, MasterEnv.ETCD_KEY_FILE, MasterEnv.ETCD_USERNAME,
        MasterEnv.ETCD_PASSWORD_FILE);
  }

  @Test
  void anIpv6LiteralEndpointIsParsed() throws Exception {
    MasterConfig config = MasterConfig.resolve(NO_FLAGS, with(MasterEnv.ETCD_ENDPOINTS, "https://[fd00::10]:2379"));
    assertThat(config.etcdEndpoints()).containsExactly(URI.create("https://[fd00::10]:2379"));
  }

  @Test
  void etcdFilesComeFromFlagsOrEnvironmentAndThePasswordOnlyFromAFile(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path password = Files.writeString(dir.resolve("password"), "s3cret\n");
    var fromEnv = EtcdFiles.NONE.resolve(Map.of(MasterEnv.ETCD_USERNAME, "crawler-a",
        MasterEnv.ETCD_PASSWORD_FILE, password.toString()));
    assertThat(fromEnv).isEqualTo(new dev.crawler.etcd.EtcdCredentials(null, null, null, "crawler-a",
        "s3cret".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(new EtcdFiles(null, null, null, "crawler-a", password.toString()).resolve(Map.of())).isEqualTo(fromEnv);

    assertThatThrownBy(() -> new EtcdFiles(null, null, null, "crawler-a", null).resolve(Map.of()))
        .hasMessageContaining("--etcd-username and --etcd-password-file");
    assertThatThrownBy(() -> new EtcdFiles(null, dir.resolve("c").toString(), null, null, null).resolve(Map.of()))
        .hasMessageContaining("--etcd-cert-file and --etcd-key-file");
    assertThatThrownBy(() -> new EtcdFiles(dir.resolve("absent.crt").toString(), null, null, null, null).resolve(Map.of()))
        .hasMessageContaining("cannot read --etcd-ca-file " + dir.resolve("absent.crt"));
    Path garbage = Files.writeString(dir.resolve("ca.crt"), "garbage");
    assertThatThrownBy(() -> new EtcdFiles(garbage.toString(), null, null, null, null).resolve(Map.of()))
        .hasMessageContaining("invalid --etcd-ca-file " + garbage + ": ca: is not a readable PEM certificate");
  }

  private static void assertBad(Map<String, String> env, String message) {
    assertThatThrownBy(() -> MasterConfig.resolve(NO_FLAGS, env))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(message);
  }

  private static Map<String, String> without(String var) {
    Map<String, String> env = new java.util.HashMap<>(FULL_ENV);
    env.remove(var);
    return env;
  }

  private static Map<String, String> with(String var, String value) {
    Map<String, String> env = new java.util.HashMap<>(FULL_ENV);
    env.put(var, value);
    return env;
  }

  @Test
  void anIpv6PodIpIsAdvertisedInBrackets() throws Exception {
    MasterConfig config =
        MasterConfig.resolve(NO_FLAGS, Map.of(
            MasterEnv.POD_NAME, "a", MasterEnv.POD_IP, "fd00::7",
            MasterEnv.ETCD_ENDPOINTS, "http://e:2379", MasterEnv.KEY_PREFIX, "/p"));
    assertThat(config.advertiseAddress()).isEqualTo("[fd00::7]:8080");
    assertThat(Settings.bracketIpv6("10.0.0.1:8080")).isEqualTo("10.0.0.1:8080");
  }
}
