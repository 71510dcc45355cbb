package dev.firmament.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import dev.firmament.devstack.EmbeddedMqttBroker;
import dev.firmament.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's bare device connections against a real broker. */
class LeanDevicesTest {

  @Test
  void eachDevicePublishesOnItsOwnTopicAtItsIntervalAndEveryPublishIsAcknowledged(@TempDir Path dir)
      throws Exception {
    try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.start(dir, 0, null)) {
      Map<String, AtomicInteger> heard = new ConcurrentHashMap<>();
      AtomicInteger wrongPayloads = new AtomicInteger();
      Mqtt5AsyncClient listener =
          Mqtt5Client.builder()
              .identifier("lean-listener")
              .serverHost("127.0.0.1")
              .serverPort(broker.port())
              .buildAsync();
      listener.publishes(
          MqttGlobalPublishFilter.ALL,
          p -> {
            heard
                .computeIfAbsent(p.getTopic().toString(), t -> new AtomicInteger())
                .incrementAndGet();
            // A payload over 127 bytes takes a two-byte remaining length.
            if (!new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)
                .startsWith("x".repeat(300))) {
              wrongPayloads.incrementAndGet();
            }
          });
      listener.connect().get(5, TimeUnit.SECONDS);
      listener
          .subscribeWith()
          .topicFilter(Topics.filter(Topics.Kind.EVENTS))
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .get(5, TimeUnit.SECONDS);

      List<LeanDevices.Device> devices =
          IntStream.range(0, 20)
              .mapToObj(i -> "lean-" + i)
              .map(id -> new LeanDevices.Device(id, "secret", Topics.events(id)))
              .toList();
      try (LeanDevices lean =
          LeanDevices.connect("127.0.0.1", broker.port(), devices, Duration.ofSeconds(10))) {
        lean.publish(
            Duration.ofMillis(200),
            Duration.ofMillis(1000),
            now -> ("x".repeat(300) + now).getBytes(StandardCharsets.UTF_8));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> lean.sent() == 100 && lean.acknowledged() == 100);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> heard.values().stream().mapToInt(AtomicInteger::get).sum() == 100);
        assertThat(lean.failed()).isZero();
        assertThat(heard).hasSize(20);
        assertThat(heard.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(5));
        assertThat(wrongPayloads.get()).isZero();
      } finally {
        listener.disconnect();
      }
    }
  }

  @Test
  void aBrokerThatIsNotThereIsAClearError() {
    List<LeanDevices.Device> one =
        List.of(new LeanDevices.Device("lean-x", "s", "fw/lean-x/events"));
    assertThatThrownBy(() -> LeanDevices.connect("127.0.0.1", 1, one, Duration.ofSeconds(5)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refused");
  }
}
