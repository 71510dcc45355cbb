package dev.firmament.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedMqttBrokerTest {

  @TempDir Path dir;

  @Test
  void publishSubscribeRoundtripOverMqtt5() throws Exception {
    try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.start(dir, 0, null)) {
      assertThat(broker.port()).isPositive();
      assertThat(broker.url()).isEqualTo("tcp://127.0.0.1:" + broker.port());
      assertThat(dir.resolve("conf/config.xml")).exists();

      Mqtt5BlockingClient subscriber = client(broker, "sub");
      Mqtt5BlockingClient publisher = client(broker, "pub");
      subscriber.connect();
      publisher.connect();
      try (Mqtt5BlockingClient.Mqtt5Publishes publishes =
          subscriber.publishes(MqttGlobalPublishFilter.ALL)) {
        subscriber
            .subscribeWith()
            .topicFilter("devices/+/status")
            .qos(MqttQos.AT_LEAST_ONCE)
            .send();
        publisher
            .publishWith()
            .topic("devices/d-1/status")
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload("online".getBytes(StandardCharsets.UTF_8))
            .userProperties()
            .add("fw", "1.2.3")
            .applyUserProperties()
            .send();

        Optional<Mqtt5Publish> received = publishes.receive(10, TimeUnit.SECONDS);
        assertThat(received).isPresent();
        assertThat(received.get().getTopic().toString()).isEqualTo("devices/d-1/status");
        assertThat(new String(received.get().getPayloadAsBytes(), StandardCharsets.UTF_8))
            .isEqualTo("online");
        assertThat(received.get().getUserProperties().asList())
            .anySatisfy(
                p -> {
                  assertThat(p.getName().toString()).isEqualTo("fw");
                  assertThat(p.getValue().toString()).isEqualTo("1.2.3");
                });
      } finally {
        publisher.disconnect();
        subscriber.disconnect();
      }
    }
  }

  @Test
  void embeddedExtensionDecidesWhoMayConnect() {
    EmbeddedExtension extension =
        EmbeddedExtension.builder()
            .withId("test-auth")
            .withName("test auth")
            .withVersion("1")
            .withExtensionMain(new PasswordExtension())
            .build();
    try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.start(dir, 0, extension)) {
      Mqtt5BlockingClient good = client(broker, "device-1");
      good.connectWith()
          .simpleAuth()
          .username("device-1")
          .password("s3cret".getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth()
          .send();
      good.disconnect();

      Mqtt5BlockingClient bad = client(broker, "device-2");
      assertThatThrownBy(
              () ->
                  bad.connectWith()
                      .simpleAuth()
                      .username("device-2")
                      .password("wrong".getBytes(StandardCharsets.UTF_8))
                      .applySimpleAuth()
                      .send())
          .isInstanceOfSatisfying(
              Mqtt5ConnAckException.class,
              e ->
                  assertThat(e.getMqttMessage().getReasonCode())
                      .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
    }
  }

  @Test
  void closeReleasesThePortAndBrokerRestartsOnTheSameDirectory() {
    int port;
    try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.start(dir, 0, null)) {
      port = broker.port();
    }
    assertThat(FreePorts.isFree(port)).isTrue();
    try (EmbeddedMqttBroker again = EmbeddedMqttBroker.start(dir, port, null)) {
      assertThat(again.port()).isEqualTo(port);
      Mqtt5BlockingClient client = client(again, "again");
      client.connect();
      client.disconnect();
    }
  }

  @Test
  void takenPortIsReported() {
    try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.start(dir.resolve("a"), 0, null)) {
      assertThatThrownBy(() -> EmbeddedMqttBroker.start(dir.resolve("b"), broker.port(), null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("port in use");
    }
  }

  @Test
  void portTakenBetweenTheProbeAndTheBindIsReportedAsTaken() throws Exception {
    // The race a picked port can lose: HiveMQ itself fails to bind. It must come out as "port in
    // use", which start() answers by retrying on another picked port.
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      assertThatThrownBy(
              () -> EmbeddedMqttBroker.startOn(dir.resolve("c"), taken.getLocalPort(), null, false))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("port in use")
          .hasCauseInstanceOf(java.util.concurrent.ExecutionException.class);
    }
  }

  private static Mqtt5BlockingClient client(EmbeddedMqttBroker broker, String name) {
    return Mqtt5Client.builder()
        .identifier(name + "-" + UUID.randomUUID())
        .serverHost("127.0.0.1")
        .serverPort(broker.port())
        .buildBlocking();
  }

  /** Accepts exactly one username/password pair. */
  static final class PasswordExtension implements ExtensionMain {
    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
      Services.securityRegistry()
          .setAuthenticatorProvider(
              providerInput ->
                  (SimpleAuthenticator)
                      (connect, out) -> {
                        boolean ok =
                            connect.getConnectPacket().getUserName().orElse("").equals("device-1")
                                && connect
                                    .getConnectPacket()
                                    .getPassword()
                                    .map(b -> StandardCharsets.UTF_8.decode(b).toString())
                                    .orElse("")
                                    .equals("s3cret");
                        if (ok) {
                          out.authenticateSuccessfully();
                        } else {
                          out.failAuthentication(ConnackReasonCode.NOT_AUTHORIZED);
                        }
                      });
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {}
  }
}
