package dev.crawler.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OperatorCommandTest {

  @Test
  void helpListsTheFlagsAndExitsZero() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new OperatorCommand()).setOut(new PrintWriter(out));

    assertThat(cli.execute("--help")).isZero();
    assertThat(out.toString()).contains("--master-image", "--namespace", "--health-port", "CRAWLER_MASTER_IMAGE");
  }

  @Test
  void defaultsWatchAllNamespacesWithTheDefaultImage() {
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs();

    assertThat(command.namespaces).isNullOrEmpty();
    assertThat(command.healthPort).isEqualTo(8081);
    if (System.getenv("CRAWLER_MASTER_IMAGE") == null) {
      assertThat(command.masterImage).isEqualTo("crawler-master:latest");
    }
  }

  @Test
  void namespacesAreRepeatableOrCommaSeparated() {
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs("--namespace=a,b", "--namespace", "c", "--master-image", "x:1");

    assertThat(command.namespaces).containsExactly("a", "b", "c");
    assertThat(command.masterImage).isEqualTo("x:1");
  }

  @Test
  void unknownFlagIsAUsageError() {
    CommandLine cli = new CommandLine(new OperatorCommand()).setErr(new PrintWriter(new StringWriter()));

    assertThat(cli.execute("--bogus")).isEqualTo(2);
  }
}
