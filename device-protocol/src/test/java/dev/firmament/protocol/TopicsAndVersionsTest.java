package dev.firmament.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicsAndVersionsTest {

  @Test
  void topicsAreBuiltAndParsedPerDevice() {
    assertThat(Topics.status("dev-1")).isEqualTo("fw/dev-1/status");
    assertThat(Topics.sharedFilter(Topics.Kind.STATUS))
        .isEqualTo("$share/firmament-workers/fw/+/status");
    assertThat(Topics.deviceId("fw/dev-1/status", Topics.Kind.STATUS)).contains("dev-1");
    assertThat(Topics.deviceId("fw/dev-1/presence", Topics.Kind.STATUS)).isEmpty();
    assertThat(Topics.deviceId("fw/a/b/status", Topics.Kind.STATUS)).isEmpty();
    assertThat(Topics.deviceId("fw//status", Topics.Kind.STATUS)).isEmpty();
    assertThatThrownBy(() -> Topics.cmd("dev/1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Topics.cmd("+")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void brokerUrlsParse() {
    assertThat(BrokerAddress.parse("tcp://127.0.0.1:1884"))
        .isEqualTo(new BrokerAddress("127.0.0.1", 1884));
    assertThat(BrokerAddress.parse("mqtt://broker")).isEqualTo(new BrokerAddress("broker", 1883));
    assertThat(BrokerAddress.parse("localhost:2000"))
        .isEqualTo(new BrokerAddress("localhost", 2000));
    assertThatThrownBy(() -> BrokerAddress.parse("http://x:1")).hasMessageContaining("scheme");
  }
}
