package dev.firmament.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import dev.firmament.devstack.DeviceAccessExtension.Access;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Device identity at the broker: per-device credentials and per-device topics, default deny. */
class DeviceAccessExtensionTest {
  private static final Map<String, String> SECRETS =
      Map.of("dev-a", "secret-a", "dev-b", "secret-b");

  @TempDir static Path dir;
  private static EmbeddedMqttBroker broker;

  @BeforeAll
  static void start() {
    broker =
        EmbeddedMqttBroker.start(
            dir,
            0,
            DeviceAccessExtension.embedded(
                (clientId, username, password) -> {
                  String pass = new String(password, StandardCharsets.UTF_8);
                  if (username.equals("service") && pass.equals("service-secret")) {
                    return Access.SERVICE;
                  }
                  return clientId.equals(username) && pass.equals(SECRETS.get(username))
                      ? Access.DEVICE
                      : Access.DENIED;
                }));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static Mqtt5BlockingClient connect(String clientId, String username, String password) {
    Mqtt5BlockingClient client =
        Mqtt5Client.builder()
            .identifier(clientId)
            .serverHost("127.0.0.1")
            .serverPort(broker.port())
            .buildBlocking();
    client
        .connectWith()
        .simpleAuth()
        .username(username)
        .password(password.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    return client;
  }

  @Test
  void wrongSecretOrSomeoneElsesIdentityIsRefused() {
    assertThatThrownBy(() -> connect("dev-a", "dev-a", "secret-b"))
        .isInstanceOf(Mqtt5ConnAckException.class);
    assertThatThrownBy(() -> connect("dev-b", "dev-a", "secret-a"))
        .isInstanceOf(Mqtt5ConnAckException.class);
  }

  @Test
  void aDeviceUsesItsOwnTopicsOnly() throws Exception {
    Mqtt5BlockingClient service = connect("gateway", "service", "service-secret");
    Mqtt5BlockingClient a = connect("dev-a", "dev-a", "secret-a");
    try (Mqtt5BlockingClient.Mqtt5Publishes fromDevices =
            service.publishes(MqttGlobalPublishFilter.ALL);
        Mqtt5BlockingClient.Mqtt5Publishes toA = a.publishes(MqttGlobalPublishFilter.ALL)) {
      service.subscribeWith().topicFilter("fw/+/status").qos(MqttQos.AT_LEAST_ONCE).send();
      a.subscribeWith().topicFilter("fw/dev-a/cmd").qos(MqttQos.AT_LEAST_ONCE).send();

      assertThatThrownBy(
              () -> a.subscribeWith().topicFilter("fw/dev-b/cmd").qos(MqttQos.AT_LEAST_ONCE).send())
          .isInstanceOfSatisfying(
              Mqtt5SubAckException.class,
              e ->
                  assertThat(e.getMqttMessage().getReasonCodes())
                      .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));

      a.publishWith()
          .topic("fw/dev-a/status")
          .qos(MqttQos.AT_MOST_ONCE)
          .payload(bytes("mine"))
          .send();
      Optional<Mqtt5Publish> received = fromDevices.receive(5, TimeUnit.SECONDS);
      assertThat(received).isPresent();
      assertThat(received.get().getTopic().toString()).isEqualTo("fw/dev-a/status");
      assertThat(text(received.get())).isEqualTo("mine");

      service
          .publishWith()
          .topic("fw/dev-a/cmd")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(bytes("offer"))
          .send();
      Optional<Mqtt5Publish> offer = toA.receive(5, TimeUnit.SECONDS);
      assertThat(offer).isPresent();
      assertThat(text(offer.get())).isEqualTo("offer");

      // A forged report on another device's topic never reaches the service; the broker also
      // disconnects the client that tried.
      a.publishWith()
          .topic("fw/dev-b/status")
          .qos(MqttQos.AT_MOST_ONCE)
          .payload(bytes("forged"))
          .send();
      assertThat(fromDevices.receive(1, TimeUnit.SECONDS)).isEmpty();
    } finally {
      if (a.getState().isConnected()) {
        a.disconnect();
      }
      service.disconnect();
    }
  }

  @Test
  void aDeviceHasOnlyTheRightsTheProtocolGivesIt() throws Exception {
    Mqtt5BlockingClient service = connect("gateway-2", "service", "service-secret");
    Mqtt5BlockingClient b = connect("dev-b", "dev-b", "secret-b");
    try (Mqtt5BlockingClient.Mqtt5Publishes toService =
        service.publishes(MqttGlobalPublishFilter.ALL)) {
      service.subscribeWith().topicFilter("fw/dev-b/#").qos(MqttQos.AT_LEAST_ONCE).send();
      // Its own status and presence topics are not for reading, nor is its whole subtree.
      for (String filter : List.of("fw/dev-b/status", "fw/dev-b/#", "fw/#")) {
        assertThatThrownBy(
                () -> b.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send())
            .as(filter)
            .isInstanceOf(Mqtt5SubAckException.class);
      }
      b.subscribeWith().topicFilter("fw/dev-b/data").qos(MqttQos.AT_LEAST_ONCE).send();
      b.publishWith()
          .topic("fw/dev-b/presence")
          .qos(MqttQos.AT_LEAST_ONCE)
          .retain(true)
          .payload(bytes("online"))
          .send();
      Optional<Mqtt5Publish> presence = toService.receive(5, TimeUnit.SECONDS);
      assertThat(presence).isPresent();
      assertThat(presence.get().getTopic().toString()).isEqualTo("fw/dev-b/presence");

      // A device never commands: a forged offer on its own command topic is refused.
      b.publishWith()
          .topic("fw/dev-b/cmd")
          .qos(MqttQos.AT_MOST_ONCE)
          .payload(bytes("forged offer"))
          .send();
      assertThat(toService.receive(1, TimeUnit.SECONDS)).isEmpty();
    } finally {
      if (b.getState().isConnected()) {
        b.disconnect();
      }
      service.disconnect();
    }
  }

  @Test
  void aDeviceTakesCallsAndRepliesOnItsOwnTopicsOnly() throws Exception {
    Mqtt5BlockingClient api = connect("api-1", "service", "service-secret");
    Mqtt5BlockingClient a = connect("dev-a", "dev-a", "secret-a");
    try (Mqtt5BlockingClient.Mqtt5Publishes replies = api.publishes(MqttGlobalPublishFilter.ALL);
        Mqtt5BlockingClient.Mqtt5Publishes toA = a.publishes(MqttGlobalPublishFilter.ALL)) {
      api.subscribeWith().topicFilter("fw/+/reply/+").qos(MqttQos.AT_LEAST_ONCE).send();
      a.subscribeWith().topicFilter("fw/dev-a/call").qos(MqttQos.AT_LEAST_ONCE).send();
      // Another device's calls, every device's calls, and replies (its own or not) are not for
      // reading.
      for (String filter :
          List.of("fw/dev-b/call", "fw/+/call", "fw/dev-a/reply/+", "fw/dev-b/reply/api-1")) {
        assertThatThrownBy(
                () -> a.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send())
            .as(filter)
            .isInstanceOfSatisfying(
                Mqtt5SubAckException.class,
                e ->
                    assertThat(e.getMqttMessage().getReasonCodes())
                        .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
      }

      api.publishWith()
          .topic("fw/dev-a/call")
          .qos(MqttQos.AT_LEAST_ONCE)
          .responseTopic("fw/dev-a/reply/api-1")
          .correlationData(bytes("c-1"))
          .payload(bytes("call"))
          .send();
      Optional<Mqtt5Publish> call = toA.receive(5, TimeUnit.SECONDS);
      assertThat(call).isPresent();
      assertThat(text(call.get())).isEqualTo("call");

      a.publishWith()
          .topic("fw/dev-a/reply/api-1")
          .qos(MqttQos.AT_LEAST_ONCE)
          .correlationData(bytes("c-1"))
          .payload(bytes("reply"))
          .send();
      Optional<Mqtt5Publish> reply = replies.receive(5, TimeUnit.SECONDS);
      assertThat(reply).isPresent();
      assertThat(reply.get().getTopic().toString()).isEqualTo("fw/dev-a/reply/api-1");
      assertThat(text(reply.get())).isEqualTo("reply");

      // A reply in another device's name never reaches the API; the broker also disconnects the
      // client that tried.
      a.publishWith()
          .topic("fw/dev-b/reply/api-1")
          .qos(MqttQos.AT_MOST_ONCE)
          .payload(bytes("forged"))
          .send();
      assertThat(replies.receive(1, TimeUnit.SECONDS)).isEmpty();
    } finally {
      if (a.getState().isConnected()) {
        a.disconnect();
      }
      api.disconnect();
    }
  }

  @Test
  void aDeviceNeverCallsAnotherDevice() throws Exception {
    Mqtt5BlockingClient service = connect("gateway-3", "service", "service-secret");
    Mqtt5BlockingClient b = connect("dev-b", "dev-b", "secret-b");
    try (Mqtt5BlockingClient.Mqtt5Publishes calls =
        service.publishes(MqttGlobalPublishFilter.ALL)) {
      service.subscribeWith().topicFilter("fw/+/call").qos(MqttQos.AT_LEAST_ONCE).send();
      b.publishWith()
          .topic("fw/dev-a/call")
          .qos(MqttQos.AT_MOST_ONCE)
          .payload(bytes("forged call"))
          .send();
      assertThat(calls.receive(1, TimeUnit.SECONDS)).isEmpty();
    } finally {
      if (b.getState().isConnected()) {
        b.disconnect();
      }
      service.disconnect();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"events", "telemetry"})
  void aDevicePublishesEventsAndTelemetryOnItsOwnTopicOnlyAndReadsNone(String kind)
      throws Exception {
    Mqtt5BlockingClient workers = connect("gateway-4", "service", "service-secret");
    Mqtt5BlockingClient a = connect("dev-a", "dev-a", "secret-a");
    try (Mqtt5BlockingClient.Mqtt5Publishes events =
        workers.publishes(MqttGlobalPublishFilter.ALL)) {
      // The workers read every device's events as they read status and presence.
      workers
          .subscribeWith()
          .topicFilter("$share/firmament-workers/fw/+/" + kind)
          .qos(MqttQos.AT_LEAST_ONCE)
          .send();
      // Events are not for a device to read: its own, another's or every device's.
      for (String filter :
          List.of(
              "fw/dev-a/" + kind,
              "fw/dev-b/" + kind,
              "fw/+/" + kind,
              "$share/firmament-workers/fw/+/" + kind)) {
        assertThatThrownBy(
                () -> a.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send())
            .as(filter)
            .isInstanceOfSatisfying(
                Mqtt5SubAckException.class,
                e ->
                    assertThat(e.getMqttMessage().getReasonCodes())
                        .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
      }

      a.publishWith()
          .topic("fw/dev-a/" + kind)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(bytes("event"))
          .send();
      Optional<Mqtt5Publish> event = events.receive(5, TimeUnit.SECONDS);
      assertThat(event).isPresent();
      assertThat(event.get().getTopic().toString()).isEqualTo("fw/dev-a/" + kind);
      assertThat(text(event.get())).isEqualTo("event");

      // An event in another device's name never reaches the workers; the broker also
      // disconnects the client that tried.
      a.publishWith()
          .topic("fw/dev-b/" + kind)
          .qos(MqttQos.AT_MOST_ONCE)
          .payload(bytes("forged event"))
          .send();
      assertThat(events.receive(1, TimeUnit.SECONDS)).isEmpty();
    } finally {
      if (a.getState().isConnected()) {
        a.disconnect();
      }
      workers.disconnect();
    }
  }

  /** Ledger sync and writes, and network configuration syncs and acknowledgements. */
  @ParameterizedTest
  @ValueSource(strings = {"ledger", "network"})
  void aDevicePublishesLedgerAndNetworkMessagesOnItsOwnTopicOnlyAndReadsNone(String kind)
      throws Exception {
    Mqtt5BlockingClient workers = connect("gateway-5", "service", "service-secret");
    Mqtt5BlockingClient a = connect("dev-a", "dev-a", "secret-a");
    try (Mqtt5BlockingClient.Mqtt5Publishes ledger =
        workers.publishes(MqttGlobalPublishFilter.ALL)) {
      workers
          .subscribeWith()
          .topicFilter("$share/firmament-workers/fw/+/" + kind)
          .qos(MqttQos.AT_LEAST_ONCE)
          .send();
      // Ledger messages are the workers' to read: not the device's own, another's or all.
      for (String filter :
          List.of(
              "fw/dev-a/" + kind,
              "fw/dev-b/" + kind,
              "fw/+/" + kind,
              "$share/firmament-workers/fw/+/" + kind)) {
        assertThatThrownBy(
                () -> a.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send())
            .as(filter)
            .isInstanceOfSatisfying(
                Mqtt5SubAckException.class,
                e ->
                    assertThat(e.getMqttMessage().getReasonCodes())
                        .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
      }

      a.publishWith()
          .topic("fw/dev-a/" + kind)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(bytes("sync"))
          .send();
      Optional<Mqtt5Publish> message = ledger.receive(5, TimeUnit.SECONDS);
      assertThat(message).isPresent();
      assertThat(message.get().getTopic().toString()).isEqualTo("fw/dev-a/" + kind);
      assertThat(text(message.get())).isEqualTo("sync");

      // A write into another device's ledger never reaches the workers; the broker also
      // disconnects the client that tried.
      a.publishWith()
          .topic("fw/dev-b/" + kind)
          .qos(MqttQos.AT_MOST_ONCE)
          .payload(bytes("forged write"))
          .send();
      assertThat(ledger.receive(1, TimeUnit.SECONDS)).isEmpty();
    } finally {
      if (a.getState().isConnected()) {
        a.disconnect();
      }
      workers.disconnect();
    }
  }

  @Test
  void anAnonymousClientIsRefused() {
    Mqtt5BlockingClient anonymous =
        Mqtt5Client.builder()
            .identifier("dev-a")
            .serverHost("127.0.0.1")
            .serverPort(broker.port())
            .buildBlocking();
    assertThatThrownBy(anonymous::connect).isInstanceOf(Mqtt5ConnAckException.class);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Mqtt5Publish publish) {
    return new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
  }
}
