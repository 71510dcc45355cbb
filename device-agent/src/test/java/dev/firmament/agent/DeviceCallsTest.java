package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import dev.firmament.agent.broker.HiveMqTestBroker;
import dev.firmament.protocol.BrokerAddress;
import dev.firmament.protocol.CallError;
import dev.firmament.protocol.CloudCall;
import dev.firmament.protocol.CloudInterface;
import dev.firmament.protocol.CloudReply;
import dev.firmament.protocol.cloud.CallTimeoutException;
import dev.firmament.protocol.cloud.CallerOptions;
import dev.firmament.protocol.cloud.CallerUnavailableException;
import dev.firmament.protocol.cloud.CloudCaller;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Function calls and variable reads between a {@link CloudCaller} and reference devices over a real
 * broker: MQTT 5 request/response, a device's answers, the caller's timeout, and devices that are
 * slow or whose replies are lost.
 */
class DeviceCallsTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @TempDir static Path brokerDir;
  private static HiveMqTestBroker broker;
  private CloudCaller caller;
  private FleetSimulator fleet;

  @BeforeAll
  static void startBroker() {
    broker = HiveMqTestBroker.start(brokerDir);
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @AfterEach
  void closeAll() {
    if (fleet != null) {
      fleet.close();
    }
    if (caller != null) {
      caller.close();
    }
  }

  private FleetSimulator fleet(int devices, FleetOptions options) {
    fleet =
        FleetSimulator.start(
            broker.url(), SimulatedDeviceSpec.numbered("calls", devices, "1.4.2"), options);
    caller = CloudCaller.connect(CallerOptions.of(broker.url(), "api-test"));
    return fleet;
  }

  private CloudReply call(String device, CloudCall call) {
    return caller.call(device, call, TIMEOUT).join();
  }

  @Test
  void aReferenceDeviceRunsItsFunctionsAndReadsItsVariables() {
    fleet(2, FleetOptions.defaults().withCloud(ReferenceCloud.INTERFACE));

    assertThat(call("calls-00000", new CloudCall.Function("led", "on")))
        .isEqualTo(CloudReply.returned(1));
    assertThat(call("calls-00000", new CloudCall.Variable("ledOn")))
        .isEqualTo(CloudReply.value("bool", true));
    // Each device has its own state.
    assertThat(call("calls-00001", new CloudCall.Variable("ledOn")))
        .isEqualTo(CloudReply.value("bool", false));
    assertThat(call("calls-00000", new CloudCall.Function("led", "toggle")))
        .isEqualTo(CloudReply.returned(0));
    assertThat(call("calls-00000", new CloudCall.Function("setInterval", "30")))
        .isEqualTo(CloudReply.returned(30));
    assertThat(call("calls-00000", new CloudCall.Variable("interval")))
        .isEqualTo(CloudReply.value("int32", 30));
    assertThat(call("calls-00000", new CloudCall.Variable("version")))
        .isEqualTo(CloudReply.value("string", "1.4.2"));
    CloudReply uptime = call("calls-00000", new CloudCall.Variable("uptime"));
    assertThat(uptime.type()).isEqualTo("int32");
    assertThat((Integer) uptime.value()).isBetween(0, 600);
    CloudReply temperature = call("calls-00000", new CloudCall.Variable("temperature"));
    assertThat(temperature.type()).isEqualTo("double");
    assertThat((Double) temperature.value()).isBetween(15.0, 30.0);

    assertThat(call("calls-00000", new CloudCall.Function("led", "blue")).code())
        .isEqualTo(CallError.BAD_ARGUMENT);
    assertThat(call("calls-00000", new CloudCall.Function("setInterval", "0")).code())
        .isEqualTo(CallError.BAD_ARGUMENT);
    assertThat(call("calls-00000", new CloudCall.Function("selfDestruct", "")).code())
        .isEqualTo(CallError.UNKNOWN_FUNCTION);
    assertThat(call("calls-00000", new CloudCall.Variable("humidity")).code())
        .isEqualTo(CallError.UNKNOWN_VARIABLE);
    assertThat(caller.pendingCalls()).isZero();
  }

  @Test
  void aDeviceAnswersOnlyWhatItDeclared() {
    fleet(
        1,
        FleetOptions.defaults()
            .withCloud(
                new CloudInterface(
                    List.of("led", "digitalWrite"),
                    Map.of("uptime", "double", "pressure", "int32"))));

    assertThat(call("calls-00000", new CloudCall.Function("led", "on")))
        .isEqualTo(CloudReply.returned(1));
    // A probe is answered whatever the device declared.
    assertThat(call("calls-00000", new CloudCall.Ping())).isEqualTo(CloudReply.returned(0));
    // Implemented but not declared.
    assertThat(call("calls-00000", new CloudCall.Function("reboot", "")).code())
        .isEqualTo(CallError.UNKNOWN_FUNCTION);
    assertThat(call("calls-00000", new CloudCall.Variable("version")).code())
        .isEqualTo(CallError.UNKNOWN_VARIABLE);
    // Declared but not implemented by the reference device, or declared with another type.
    assertThat(call("calls-00000", new CloudCall.Function("digitalWrite", "D7")).code())
        .isEqualTo(CallError.FAILED);
    assertThat(call("calls-00000", new CloudCall.Variable("pressure")).code())
        .isEqualTo(CallError.FAILED);
    CloudReply mistyped = call("calls-00000", new CloudCall.Variable("uptime"));
    assertThat(mistyped.code()).isEqualTo(CallError.FAILED);
    assertThat(mistyped.message()).contains("declared double");
  }

  @Test
  void rebootAnswersThenTheDeviceGoesAwayAndComesBack() throws Exception {
    fleet(1, FleetOptions.defaults().withCloud(ReferenceCloud.INTERFACE));
    Mqtt5BlockingClient watcher = rawClient("presence-watcher");
    try (var presence = watcher.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
      watcher.subscribeWith().topicFilter("fw/calls-00000/presence").send();
      assertThat(text(presence.receive(5, TimeUnit.SECONDS).orElseThrow()))
          .contains("\"online\":true");

      assertThat(call("calls-00000", new CloudCall.Function("reboot", "")))
          .isEqualTo(CloudReply.returned(0));

      // Its last will, then its presence once it is back.
      assertThat(text(presence.receive(5, TimeUnit.SECONDS).orElseThrow()))
          .contains("\"online\":false");
      assertThat(text(presence.receive(5, TimeUnit.SECONDS).orElseThrow()))
          .contains("\"online\":true");
    } finally {
      watcher.disconnect();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> fleet.device("calls-00000").connected());
    assertThat(call("calls-00000", new CloudCall.Variable("version")))
        .isEqualTo(CloudReply.value("string", "1.4.2"));
  }

  private static Mqtt5BlockingClient rawClient(String id) {
    BrokerAddress address = BrokerAddress.parse(broker.url());
    Mqtt5BlockingClient raw =
        Mqtt5Client.builder()
            .identifier(id)
            .serverHost(address.host())
            .serverPort(address.port())
            .buildBlocking();
    raw.connect();
    return raw;
  }

  private static String text(com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish publish) {
    return new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void malformedCallsAreRefusedAndForeignResponseTopicsNeverAnswered() throws Exception {
    fleet(1, FleetOptions.defaults().withCloud(ReferenceCloud.INTERFACE));
    Mqtt5BlockingClient raw = rawClient("raw-caller");
    try (var replies = raw.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
      raw.subscribeWith().topicFilter("fw/+/reply/#").qos(MqttQos.AT_LEAST_ONCE).send();
      raw.subscribeWith().topicFilter("fw/calls-00001/#").qos(MqttQos.AT_LEAST_ONCE).send();

      // A call that names another device's topic as its response topic is run, not answered.
      raw.publishWith()
          .topic("fw/calls-00000/call")
          .qos(MqttQos.AT_LEAST_ONCE)
          .responseTopic("fw/calls-00001/reply/raw")
          .correlationData(new byte[] {9})
          .payload(bytes("{\"type\":\"function\",\"name\":\"led\",\"argument\":\"on\"}"))
          .send();
      // A malformed call, answered with MALFORMED and the correlation data echoed.
      raw.publishWith()
          .topic("fw/calls-00000/call")
          .qos(MqttQos.AT_LEAST_ONCE)
          .responseTopic("fw/calls-00000/reply/raw")
          .correlationData(new byte[] {7, 7})
          .payload(bytes("{\"type\":\"function\"}"))
          .send();

      var reply = replies.receive(10, TimeUnit.SECONDS).orElseThrow();
      assertThat(reply.getTopic().toString()).isEqualTo("fw/calls-00000/reply/raw");
      assertThat(reply.getCorrelationData().map(b -> b.get(1)).orElseThrow()).isEqualTo((byte) 7);
      assertThat(text(reply)).contains("\"ok\":false", "\"code\":\"MALFORMED\"");
      assertThat(replies.receive(500, TimeUnit.MILLISECONDS)).isEmpty();
    } finally {
      raw.disconnect();
    }
    // The foreign call still ran: the LED is on.
    assertThat(call("calls-00000", new CloudCall.Variable("ledOn")))
        .isEqualTo(CloudReply.value("bool", true));
  }

  @Test
  void aSlowDeviceIsAnsweredLateAndALostReplyTimesOut() {
    fleet(
        1,
        FleetOptions.defaults()
            .withCloud(ReferenceCloud.INTERFACE)
            .withCallFaults(new FleetOptions.CallFaults(1, Duration.ofMillis(1500), 0)));
    assertThat(fleet.device("calls-00000").faults().callDelay()).isEqualTo(Duration.ofMillis(1500));

    // Within the timeout: answered, late.
    long start = System.nanoTime();
    assertThat(call("calls-00000", new CloudCall.Function("led", "on")))
        .isEqualTo(CloudReply.returned(1));
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(1_400_000_000L);
    // Past a shorter timeout: a timeout, and the late reply later completes nothing.
    CompletableFuture<CloudReply> late =
        caller.call("calls-00000", new CloudCall.Variable("ledOn"), Duration.ofMillis(300));
    assertThatThrownBy(late::join)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(CallTimeoutException.class);
    assertThat(caller.pendingCalls()).isZero();

    fleet.close();
    fleet =
        FleetSimulator.start(
            broker.url(),
            SimulatedDeviceSpec.numbered("lost", 1, "1.0.0"),
            FleetOptions.defaults()
                .withCloud(ReferenceCloud.INTERFACE)
                .withCallFaults(new FleetOptions.CallFaults(0, Duration.ZERO, 1)));
    assertThatThrownBy(
            () ->
                caller
                    .call("lost-00000", new CloudCall.Variable("uptime"), Duration.ofMillis(500))
                    .join())
        .hasCauseInstanceOf(CallTimeoutException.class);
    // The call ran on the device although its reply was lost.
    assertThatThrownBy(
            () ->
                caller
                    .call("lost-00000", new CloudCall.Function("led", "on"), Duration.ofMillis(500))
                    .join())
        .hasCauseInstanceOf(CallTimeoutException.class);
  }

  @Test
  void aCallerWithoutABrokerFailsAtOnce() {
    caller =
        CloudCaller.connect(
            new CallerOptions(
                BrokerAddress.parse("tcp://127.0.0.1:1"),
                false,
                null,
                null,
                null,
                "api-test",
                Duration.ofMillis(200)));
    assertThat(caller.isConnected()).isFalse();
    assertThatThrownBy(() -> caller.call("d-1", new CloudCall.Variable("uptime"), TIMEOUT).join())
        .hasCauseInstanceOf(CallerUnavailableException.class);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
