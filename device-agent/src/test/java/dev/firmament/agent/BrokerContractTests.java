package dev.firmament.agent;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import dev.firmament.agent.broker.SecuredTestBroker;
import dev.firmament.delta.DeltaDiffer;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.CloudInterface;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.Topics;
import dev.firmament.protocol.server.ArtifactSource;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.MqttDeviceGateway;
import dev.firmament.protocol.server.PresenceEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The end-to-end behaviour every supported broker must show: run against the embedded HiveMQ and
 * against Debian's mosquitto. Access control is checked on the same kind of broker started secured
 * ({@link #startSecured}).
 */
abstract class BrokerContractTests extends FleetTestSupport {

  static final byte[] PATCH = patch(OLD_IMAGE, NEW_IMAGE);

  /**
   * A broker of this kind that enforces device identity as in production, with accounts for the
   * given devices and the API's and the workers' accounts; the calling test is skipped when it
   * cannot be had here.
   */
  abstract SecuredTestBroker startSecured(Path dir, Map<String, String> secretByDevice)
      throws Exception;

  @Test
  void fiftyDevicesInstallTheFullImageAndVerifyItsHash() throws Exception {
    fleet = start(SimulatedDeviceSpec.numbered("fifty", 50, "1.0.0"), FleetOptions.defaults());

    for (String id : fleet.deviceIds()) {
      gateway.offer(delivery(id, "u-" + id, "2.0.0", NEW_IMAGE, false));
    }

    Map<String, StatusReport> outcomes = awaitTerminal(fleet.deviceIds(), Duration.ofSeconds(30));
    assertThat(outcomes.values())
        .allSatisfy(
            r -> {
              assertThat(r.state()).isEqualTo(DeviceState.SUCCEEDED);
              assertThat(r.currentVersion()).isEqualTo("2.0.0");
            });
    assertThat(fleet.devices())
        .allSatisfy(
            d -> {
              assertThat(d.currentVersion()).isEqualTo("2.0.0");
              assertThat(d.activeSlot()).isEqualTo(SlotId.B);
              assertThat(d.verifiedHashes()).isEqualTo(1);
            });
    long image = NEW_IMAGE.length;
    assertThat(gateway.stats().bytesSent()).isEqualTo(50 * image);
    assertThat(gateway.stats().chunksSent()).isEqualTo(50 * ((image + CHUNK - 1) / CHUNK));
    assertThat(gateway.stats().activeDeliveries()).isZero();
  }

  @Test
  void fiftyDevicesApplyTheDeltaAndEndOnTheTargetImage() throws Exception {
    fleet =
        start(
            SimulatedDeviceSpec.numbered("delta", 50, "1.0.0", OLD_IMAGE), FleetOptions.defaults());

    for (String id : fleet.deviceIds()) {
      gateway.offer(deltaDelivery(id, "u-" + id, "1.0.0", "2.0.0", PATCH, NEW_IMAGE));
    }

    Map<String, StatusReport> outcomes = awaitTerminal(fleet.deviceIds(), Duration.ofSeconds(30));
    assertThat(outcomes.values())
        .allSatisfy(r -> assertThat(r.state()).isEqualTo(DeviceState.SUCCEEDED));
    assertThat(fleet.devices())
        .allSatisfy(
            d -> {
              assertThat(d.currentVersion()).isEqualTo("2.0.0");
              assertThat(d.verifiedHashes()).isEqualTo(1);
            });
    assertThat(gateway.stats().bytesSent()).isEqualTo(50L * PATCH.length);
  }

  @Test
  void aTransferResumesAfterForcedDisconnectsAtRandomOffsets() throws Exception {
    // 1 KiB chunks and a window of 8: a resume costs at most two windows, a restart the whole
    // prefix, so the byte count tells the two apart.
    byte[] image = sample("pyb-movehub.new");
    int chunk = 1024;
    int window = 8;
    int drops = 3;
    gateway.close();
    gateway = MqttDeviceGateway.connect(gatewayOptions().withWindow(window));
    gateway.onReport(reports::add);
    fleet =
        start(
            List.of(new SimulatedDeviceSpec("resume-1", "1.0.0")),
            FleetOptions.defaults().withSlowLink(1.0, Duration.ofMillis(3)));
    Random random = new Random(20_261_125);
    List<Long> dropAt = new ArrayList<>();
    for (int i = 0; i < drops; i++) {
      dropAt.add((long) (image.length * (0.1 + 0.8 * random.nextDouble())));
    }
    dropAt.sort(null);

    gateway.offer(
        new Delivery(
            "resume-1",
            "u-resume",
            "2.0.0",
            Artifact.full(image.length, sha256(image), chunk),
            ArtifactSource.ofBytes(image)));

    List<Long> droppedAt = new CopyOnWriteArrayList<>();
    AtomicLong nextLookAt = new AtomicLong(System.nanoTime());
    await("drops at random offsets " + dropAt)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(1))
        .until(
            () -> {
              DeviceSnapshot device = fleet.device("resume-1");
              if (System.nanoTime() >= nextLookAt.get()
                  && device.connected()
                  && device.offset() >= dropAt.get(droppedAt.size())) {
                droppedAt.add(device.offset());
                fleet.agent("resume-1").dropConnection(Duration.ofMillis(100));
                // The drop happens on the agent's own thread: look again once it has.
                nextLookAt.set(System.nanoTime() + Duration.ofMillis(150).toNanos());
              }
              return droppedAt.size() == drops;
            });

    StatusReport outcome =
        awaitTerminal(List.of("resume-1"), Duration.ofSeconds(30)).get("resume-1");
    assertThat(outcome.state()).isEqualTo(DeviceState.SUCCEEDED);
    assertThat(fleet.device("resume-1").verifiedHashes()).isEqualTo(1);
    long resumeBound = image.length + (long) drops * 2 * window * chunk;
    assertThat(gateway.stats().bytesSent())
        .as("bytes sent with drops at %s: resumed, never restarted from zero", droppedAt)
        .isGreaterThanOrEqualTo(image.length)
        .isLessThanOrEqualTo(resumeBound);
  }

  @Test
  void aForgedReportFromAnotherDeviceIsIgnoredAndLogged() throws Exception {
    // The gateway's package logger: the drop is logged by whichever of its classes applies the
    // rule.
    Logger gatewayLog = (Logger) LoggerFactory.getLogger(MqttDeviceGateway.class.getPackageName());
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    gatewayLog.addAppender(logged);
    Mqtt5BlockingClient forger =
        Mqtt5Client.builder()
            .identifier("forger-1")
            .serverHost(java.net.URI.create(brokerUrl()).getHost())
            .serverPort(java.net.URI.create(brokerUrl()).getPort())
            .buildBlocking();
    try {
      fleet =
          start(
              List.of(new SimulatedDeviceSpec("victim-1", "1.0.0")),
              FleetOptions.defaults().withSlowLink(1.0, Duration.ofMillis(10)));
      forger.connect();
      gateway.offer(delivery("victim-1", "u-victim", "2.0.0", NEW_IMAGE, false));
      awaitState("victim-1", DeviceState.DOWNLOADING);

      // Another device claims, on the victim's topic, that some other update of the victim
      // succeeded, and on its own topic that the victim's update succeeded.
      ProtocolCodec codec = new ProtocolCodec();
      forger
          .publishWith()
          .topic(Topics.status("victim-1"))
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(codec.encodeReport(StatusReport.of("u-forged", DeviceState.SUCCEEDED, "2.0.0")))
          .send();
      forger
          .publishWith()
          .topic(Topics.status("forger-1"))
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(codec.encodeReport(StatusReport.of("u-victim", DeviceState.SUCCEEDED, "2.0.0")))
          .send();

      StatusReport outcome =
          awaitTerminal(List.of("victim-1"), Duration.ofSeconds(20)).get("victim-1");
      assertThat(outcome.state()).isEqualTo(DeviceState.SUCCEEDED);
      assertThat(fleet.device("victim-1").verifiedHashes()).isEqualTo(1);
      assertThat(reports).noneMatch(r -> r.deviceId().equals("forger-1"));
      assertThat(logged.list)
          .anySatisfy(
              e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage())
                    .contains("victim-1")
                    .contains("u-forged")
                    .contains("dropping");
              });
    } finally {
      gatewayLog.detachAppender(logged);
      if (forger.getState().isConnected()) {
        forger.disconnect();
      }
    }
  }

  @Test
  void devicesDeclareTheirFunctionsAndVariablesInTheirPresence() throws Exception {
    BlockingQueue<PresenceEvent> presences = new LinkedBlockingQueue<>();
    gateway.onPresence(presences::add);
    Map<String, String> variables = new LinkedHashMap<>();
    variables.put("uptime", "int32");
    variables.put("temperature", "double");
    CloudInterface cloud = new CloudInterface(List.of("reboot", "led", "setInterval"), variables);
    fleet =
        start(
            List.of(new SimulatedDeviceSpec("declaring-1", "1.0.0")),
            FleetOptions.defaults().withCloud(cloud));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    PresenceEvent seen = null;
    while (seen == null && System.nanoTime() < deadline) {
      PresenceEvent event = presences.poll(100, TimeUnit.MILLISECONDS);
      if (event != null && event.deviceId().equals("declaring-1") && event.presence().online()) {
        seen = event;
      }
    }
    assertThat(seen).as("the device's online presence").isNotNull();
    assertThat(seen.presence().cloud()).isEqualTo(cloud);
    assertThat(seen.presence().cloud().variables().keySet())
        .containsExactly("uptime", "temperature");
  }

  @Test
  void aDeviceTakesItsOwnCallsAndRepliesOnlyInItsOwnName(@TempDir Path dir) throws Exception {
    String self = "caller-1";
    String other = "caller-2";
    String instance = "api-7";
    try (SecuredTestBroker broker =
        startSecured(dir, Map.of(self, "secret-1", other, "secret-2"))) {
      Mqtt5BlockingClient api =
          connect(broker, "firmament-api-7", broker.apiUsername(), broker.apiPassword());
      Mqtt5BlockingClient device = connect(broker, self, self, "secret-1");
      try {
        BlockingQueue<Mqtt5Publish> replies = new LinkedBlockingQueue<>();
        api.toAsync()
            .subscribeWith()
            .topicFilter(Topics.replyFilter(instance))
            .qos(MqttQos.AT_LEAST_ONCE)
            .callback(replies::add)
            .send()
            .get(5, TimeUnit.SECONDS);
        BlockingQueue<Mqtt5Publish> calls = new LinkedBlockingQueue<>();
        device
            .toAsync()
            .subscribeWith()
            .topicFilter(Topics.call(self))
            .qos(MqttQos.AT_LEAST_ONCE)
            .callback(calls::add)
            .send()
            .get(5, TimeUnit.SECONDS);
        assertThatThrownBy(
                () ->
                    device
                        .subscribeWith()
                        .topicFilter(Topics.call(other))
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .send())
            .as("subscribing to another device's calls")
            .isInstanceOfSatisfying(
                Mqtt5SubAckException.class,
                e ->
                    assertThat(e.getMqttMessage().getReasonCodes())
                        .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));

        // A call as the API sends it: QoS 1, the reply topic and binary correlation data.
        byte[] correlation = {0, 1, (byte) 0xff, 'c', '-', '1', (byte) 0x80};
        byte[] body = "{\"id\":\"c-1\",\"function\":\"led\",\"arg\":\"on\"}".getBytes(UTF_8);
        api.publishWith()
            .topic(Topics.call(self))
            .qos(MqttQos.AT_LEAST_ONCE)
            .responseTopic(Topics.reply(self, instance))
            .correlationData(correlation)
            .payload(body)
            .send();
        Mqtt5Publish call = calls.poll(5, TimeUnit.SECONDS);
        assertThat(call).as("the call at the device").isNotNull();
        assertThat(call.getTopic().toString()).isEqualTo(Topics.call(self));
        assertThat(call.getResponseTopic().map(Object::toString))
            .contains(Topics.reply(self, instance));
        assertThat(call.getCorrelationData().map(BrokerContractTests::bytes))
            .hasValueSatisfying(c -> assertThat(c).containsExactly(correlation));
        assertThat(call.getPayloadAsBytes()).containsExactly(body);

        // The device answers on the topic it was given, with the call's correlation data.
        byte[] answer = "{\"id\":\"c-1\",\"result\":1}".getBytes(UTF_8);
        device
            .publishWith()
            .topic(call.getResponseTopic().orElseThrow())
            .qos(MqttQos.AT_LEAST_ONCE)
            .correlationData(call.getCorrelationData().orElseThrow())
            .payload(answer)
            .send();
        Mqtt5Publish reply = replies.poll(5, TimeUnit.SECONDS);
        assertThat(reply).as("the reply at the API").isNotNull();
        assertThat(reply.getTopic().toString()).isEqualTo(Topics.reply(self, instance));
        assertThat(reply.getCorrelationData().map(BrokerContractTests::bytes))
            .hasValueSatisfying(c -> assertThat(c).containsExactly(correlation));
        assertThat(reply.getPayloadAsBytes()).containsExactly(answer);

        // A reply in another device's name never reaches the API (a broker may also disconnect
        // the device that tried, as HiveMQ does).
        device
            .publishWith()
            .topic(Topics.reply(other, instance))
            .qos(MqttQos.AT_MOST_ONCE)
            .payload("{\"id\":\"c-9\",\"result\":0}".getBytes(UTF_8))
            .send();
        assertThat(replies.poll(1, TimeUnit.SECONDS)).as("a forged reply at the API").isNull();
      } finally {
        if (device.getState().isConnected()) {
          device.disconnect();
        }
        api.disconnect();
      }
    }
  }

  @Test
  void aDevicesEventsReachTheWorkersOnlyFromItsOwnTopic(@TempDir Path dir) throws Exception {
    devicePublishesOnlyItsOwn(dir, Topics.Kind.EVENTS, "{\"name\":\"door\",\"data\":\"open\"}");
  }

  @Test
  void aDevicesTelemetryReachesTheWorkersOnlyFromItsOwnTopic(@TempDir Path dir) throws Exception {
    devicePublishesOnlyItsOwn(dir, Topics.Kind.TELEMETRY, "{\"type\":\"vitals\",\"uptime\":1}");
  }

  @Test
  void aDevicesNetworkAnswersReachTheWorkersOnlyFromItsOwnTopic(@TempDir Path dir)
      throws Exception {
    devicePublishesOnlyItsOwn(
        dir,
        Topics.Kind.NETWORK,
        "{\"type\":\"ack\",\"network\":\"n-1\",\"version\":1,\"result\":\"APPLIED\"}");
  }

  private void devicePublishesOnlyItsOwn(Path dir, Topics.Kind kind, String json) throws Exception {
    String self = "emitter-1";
    String other = "emitter-2";
    try (SecuredTestBroker broker =
        startSecured(dir, Map.of(self, "secret-1", other, "secret-2"))) {
      Mqtt5BlockingClient workers =
          connect(
              broker, "firmament-workers-7", broker.workersUsername(), broker.workersPassword());
      Mqtt5BlockingClient device = connect(broker, self, self, "secret-1");
      try {
        // The workers read every device's events through their shared subscription.
        BlockingQueue<Mqtt5Publish> events = new LinkedBlockingQueue<>();
        workers
            .toAsync()
            .subscribeWith()
            .topicFilter(Topics.sharedFilter(kind))
            .qos(MqttQos.AT_LEAST_ONCE)
            .callback(events::add)
            .send()
            .get(5, TimeUnit.SECONDS);

        // An event as a device sends it: QoS 1, not retained, on its own topic.
        byte[] body = json.getBytes(UTF_8);
        device
            .publishWith()
            .topic(Topics.topic(self, kind))
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload(body)
            .send();
        Mqtt5Publish event = events.poll(5, TimeUnit.SECONDS);
        assertThat(event).as("the event at the workers").isNotNull();
        assertThat(event.getTopic().toString()).isEqualTo(Topics.topic(self, kind));
        assertThat(event.getPayloadAsBytes()).containsExactly(body);

        // An event in another device's name never reaches the workers (a broker may also
        // disconnect the device that tried, as HiveMQ does).
        device
            .publishWith()
            .topic(Topics.topic(other, kind))
            .qos(MqttQos.AT_MOST_ONCE)
            .payload("{\"name\":\"forged\"}".getBytes(UTF_8))
            .send();
        assertThat(events.poll(1, TimeUnit.SECONDS)).as("a forged event at the workers").isNull();
      } finally {
        if (device.getState().isConnected()) {
          device.disconnect();
        }
        workers.disconnect();
      }
    }
  }

  @Test
  void aDevicesLedgerMessagesReachTheWorkersOnlyFromItsOwnTopicAndCopiesComeBackOnItsCommands(
      @TempDir Path dir) throws Exception {
    String self = "ledger-1";
    String other = "ledger-2";
    try (SecuredTestBroker broker =
        startSecured(dir, Map.of(self, "secret-1", other, "secret-2"))) {
      Mqtt5BlockingClient workers =
          connect(
              broker, "firmament-workers-8", broker.workersUsername(), broker.workersPassword());
      Mqtt5BlockingClient device = connect(broker, self, self, "secret-1");
      try {
        BlockingQueue<Mqtt5Publish> ledger = new LinkedBlockingQueue<>();
        workers
            .toAsync()
            .subscribeWith()
            .topicFilter("$share/firmament-workers/fw/+/ledger")
            .qos(MqttQos.AT_LEAST_ONCE)
            .callback(ledger::add)
            .send()
            .get(5, TimeUnit.SECONDS);
        BlockingQueue<Mqtt5Publish> commands = new LinkedBlockingQueue<>();
        device
            .toAsync()
            .subscribeWith()
            .topicFilter(Topics.cmd(self))
            .qos(MqttQos.AT_LEAST_ONCE)
            .callback(commands::add)
            .send()
            .get(5, TimeUnit.SECONDS);

        // A sync request as a device sends it: QoS 1, not retained, on its own ledger topic.
        byte[] sync = "{\"type\":\"sync\",\"copies\":{\"config\":3}}".getBytes(UTF_8);
        device
            .publishWith()
            .topic(Topics.ledger(self))
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload(sync)
            .send();
        Mqtt5Publish request = ledger.poll(5, TimeUnit.SECONDS);
        assertThat(request).as("the sync request at the workers").isNotNull();
        assertThat(request.getTopic().toString()).isEqualTo(Topics.ledger(self));
        assertThat(request.getPayloadAsBytes()).containsExactly(sync);

        // The workers answer on the device's command topic, which it reads already.
        byte[] copy =
            "{\"type\":\"ledger\",\"name\":\"config\",\"version\":4,\"data\":{}}".getBytes(UTF_8);
        workers
            .publishWith()
            .topic(Topics.cmd(self))
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload(copy)
            .send();
        Mqtt5Publish answer = commands.poll(5, TimeUnit.SECONDS);
        assertThat(answer).as("the copy at the device").isNotNull();
        assertThat(answer.getPayloadAsBytes()).containsExactly(copy);

        // A write into another device's ledger never reaches the workers (a broker may also
        // disconnect the device that tried, as HiveMQ does).
        device
            .publishWith()
            .topic(Topics.ledger(other))
            .qos(MqttQos.AT_MOST_ONCE)
            .payload(
                "{\"type\":\"write\",\"name\":\"status\",\"version\":9,\"data\":{}}"
                    .getBytes(UTF_8))
            .send();
        assertThat(ledger.poll(1, TimeUnit.SECONDS)).as("a forged write at the workers").isNull();
      } finally {
        if (device.getState().isConnected()) {
          device.disconnect();
        }
        workers.disconnect();
      }
    }
  }

  // ---- helpers ----

  static Mqtt5BlockingClient connect(
      SecuredTestBroker broker, String clientId, String username, String password) {
    java.net.URI url = java.net.URI.create(broker.url());
    Mqtt5BlockingClient client =
        Mqtt5Client.builder()
            .identifier(clientId)
            .serverHost(url.getHost())
            .serverPort(url.getPort())
            .simpleAuth()
            .username(username)
            .password(password.getBytes(UTF_8))
            .applySimpleAuth()
            .buildBlocking();
    client.connect();
    return client;
  }

  static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  /** Waits until the gateway passes on {@code state} for the device. */
  void awaitState(String deviceId, DeviceState state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      var report = reports.poll(100, TimeUnit.MILLISECONDS);
      if (report != null
          && report.deviceId().equals(deviceId)
          && report.report().state() == state) {
        return;
      }
    }
    throw new AssertionError(deviceId + " never reported " + state);
  }

  static byte[] patch(byte[] from, byte[] to) {
    try {
      return DeltaDiffer.diff(from, to).patch();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
