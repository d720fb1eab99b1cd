package dev.crawler.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SwitchoverRequestTest {
  private static SwitchoverRequest parse(String body) throws BadRequestException {
    return SwitchoverRequest.parse(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aNamedCandidateOrNoneForTheFirstReadyFollower() throws Exception {
    assertThat(parse("{\"candidate\":\"m-2\"}").candidate()).contains("m-2");
    assertThat(parse("").candidate()).isEqualTo(Optional.empty());
    assertThat(parse("{}").candidate()).isEmpty();
    assertThat(parse("{\"candidate\":null}").candidate()).isEmpty();
  }

  @Test
  void badBodiesAreRejectedWithTheReason() {
    assertThatThrownBy(() -> parse("nope")).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> parse("[1]")).hasMessageContaining("JSON object");
    assertThatThrownBy(() -> parse("{\"candidate\":3}")).hasMessageContaining("replica id");
    assertThatThrownBy(() -> parse("{\"candidate\":\"\"}")).hasMessageContaining("replica id");
    assertThatThrownBy(() -> parse("{\"target\":\"m-1\"}")).hasMessageContaining("unknown field 'target'");
  }
}
