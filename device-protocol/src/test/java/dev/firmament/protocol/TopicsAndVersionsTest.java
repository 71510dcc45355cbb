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
  void callAndReplyTopicsNameTheDeviceAndTheApiInstance() {
    assertThat(Topics.call("dev-1")).isEqualTo("fw/dev-1/call");
    assertThat(Topics.events("dev-1")).isEqualTo("fw/dev-1/events");
    assertThat(Topics.cmd("dev-1")).isEqualTo("fw/dev-1/cmd");
    assertThat(Topics.data("dev-1")).isEqualTo("fw/dev-1/data");
    assertThat(Topics.presence("dev-1")).isEqualTo("fw/dev-1/presence");
    assertThat(Topics.filter(Topics.Kind.EVENTS)).isEqualTo("fw/+/events");
    assertThat(Topics.deviceId("fw/dev-1/events", Topics.Kind.EVENTS)).contains("dev-1");
    assertThat(Topics.reply("dev-1", "api-7")).isEqualTo("fw/dev-1/reply/api-7");
    // A device named like a topic level is still one level.
    assertThat(Topics.reply("call", "api-7")).isEqualTo("fw/call/reply/api-7");
    assertThat(Topics.replyFilter("api-7")).isEqualTo("fw/+/reply/api-7");
    assertThat(Topics.replyDeviceId("fw/dev-1/reply/api-7", "api-7")).contains("dev-1");
    assertThat(Topics.replyDeviceId("fw/dev-1/reply/api-8", "api-7")).isEmpty();
    assertThat(Topics.replyDeviceId("fw/a/b/reply/api-7", "api-7")).isEmpty();
    assertThat(Topics.replyDeviceId("fw//reply/api-7", "api-7")).isEmpty();
    assertThat(Topics.replyDeviceId("xx/dev-1/reply/api-7", "api-7")).isEmpty();
    assertThat(Topics.replyDeviceId(null, "api-7")).isEmpty();
    assertThat(Topics.isReplyTopicOf("dev-1", "fw/dev-1/reply/api-7")).isTrue();
    assertThat(Topics.isReplyTopicOf("dev-1", "fw/dev-2/reply/api-7")).isFalse();
    assertThat(Topics.isReplyTopicOf("dev-1", "fw/dev-1/reply/")).isFalse();
    assertThat(Topics.isReplyTopicOf("dev-1", "fw/dev-1/reply/a/b")).isFalse();
    assertThat(Topics.isReplyTopicOf("dev-1", "fw/dev-1/reply/+")).isFalse();
    assertThat(Topics.isReplyTopicOf("dev-1", "fw/dev-1/status")).isFalse();
    assertThat(Topics.isReplyTopicOf("dev-1", null)).isFalse();
    assertThat(Topics.isReplyTopicOf("+", "fw/+/reply/a")).isFalse();
    assertThatThrownBy(() -> Topics.reply("dev-1", "a/b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Topics.reply("dev/1", "a"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Topics.replyFilter("#")).isInstanceOf(IllegalArgumentException.class);
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
