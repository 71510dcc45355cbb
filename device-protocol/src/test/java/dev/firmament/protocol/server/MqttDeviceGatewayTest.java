package dev.firmament.protocol.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import dev.firmament.devstack.EmbeddedMqttBroker;
import dev.firmament.manifest.Sha256;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.CancelUpdate;
import dev.firmament.protocol.ChunkFrame;
import dev.firmament.protocol.Command;
import dev.firmament.protocol.DeviceEvent;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.LedgerAck;
import dev.firmament.protocol.LedgerCopy;
import dev.firmament.protocol.LedgerWrite;
import dev.firmament.protocol.Presence;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.Topics;
import dev.firmament.protocol.UpdateOffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The gateway against a real broker, with devices played by bare MQTT clients. */
class MqttDeviceGatewayTest {

  private static final ProtocolCodec CODEC = new ProtocolCodec();
  private static final AtomicLong CLOCK = new AtomicLong(1_000_000);

  @TempDir static Path brokerDir;
  private static EmbeddedMqttBroker broker;

  private MqttDeviceGateway gateway;
  private final BlockingQueue<DeviceReport> reports = new LinkedBlockingQueue<>();
  private final BlockingQueue<PresenceEvent> presences = new LinkedBlockingQueue<>();
  private final List<AutoCloseable> clients = new ArrayList<>();

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedMqttBroker.start(brokerDir, 0, null);
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @BeforeEach
  void connectGateway() {
    gateway = MqttDeviceGateway.connect(GatewayOptions.of(broker.url()).withWindow(4));
    gateway.onReport(reports::add);
    gateway.onPresence(presences::add);
  }

  @AfterEach
  void closeAll() throws Exception {
    gateway.close();
    for (AutoCloseable client : clients) {
      client.close();
    }
  }

  @Test
  void offersFirstThenStreamsAWindowAndResumesFromALowerOffset() throws Exception {
    ScriptedDevice device = device("gw-flow");
    byte[] image = bytes(1000);
    gateway.offer(delivery("gw-flow", "u-flow", image, 100));

    UpdateOffer offer = (UpdateOffer) device.commands.poll(5, TimeUnit.SECONDS);
    assertThat(offer.updateId()).isEqualTo("u-flow");
    assertThat(offer.window()).isEqualTo(4);
    assertThat(device.chunks.poll(300, TimeUnit.MILLISECONDS))
        .as("no bytes before the device accepts")
        .isNull();

    device.report(downloading("u-flow", 0));
    assertThat(offsets(device.take(4))).containsExactly(0L, 100L, 200L, 300L);
    assertThat(device.chunks.poll(300, TimeUnit.MILLISECONDS)).as("window is full").isNull();

    device.report(downloading("u-flow", 200));
    assertThat(offsets(device.take(2))).containsExactly(400L, 500L);

    // The device says again that it has 200 bytes: it lost what came after. Resume from there.
    device.report(downloading("u-flow", 200));
    assertThat(offsets(device.take(4))).containsExactly(200L, 300L, 400L, 500L);

    device.report(downloading("u-flow", 600));
    device.report(downloading("u-flow", 1000));
    List<ChunkFrame> rest = device.take(4);
    assertThat(offsets(rest)).containsExactly(600L, 700L, 800L, 900L);
    device.report(StatusReport.of("u-flow", DeviceState.VERIFYING, "1.0.0"));
    device.report(StatusReport.of("u-flow", DeviceState.SUCCEEDED, "2.0.0"));

    assertThat(nextReports(3))
        .extracting(r -> r.report().state())
        .containsExactly(DeviceState.DOWNLOADING, DeviceState.VERIFYING, DeviceState.SUCCEEDED);
    GatewayStats stats = gateway.stats();
    assertThat(stats.activeDeliveries()).isZero();
    assertThat(stats.bytesInFlight()).isZero();
    assertThat(stats.bytesSent()).isEqualTo(1400);
    assertThat(stats.chunksSent()).isEqualTo(14);
    // The device's usage is what was pushed to it, resends included, and is handed over once.
    assertThat(gateway.drainUsage())
        .containsExactly(Map.entry("gw-flow", new DeviceUsage(1400, 0, 0)));
    assertThat(gateway.drainUsage()).isEmpty();
  }

  @Test
  void ledgerMessagesBothWaysAreMeteredAsTheDevicesUsage() throws Exception {
    ScriptedDevice device = device("gw-ledger");
    var data =
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("interval", 15);
    LedgerCopy copy =
        new LedgerCopy("config", 3, data, java.time.Instant.parse("2026-12-06T00:00:00Z"));
    gateway.sendLedger("gw-ledger", copy);
    gateway.sendLedger("gw-ledger", LedgerAck.of("status", 1));
    assertThat(device.commands.poll(5, TimeUnit.SECONDS)).isEqualTo(copy);
    byte[] write =
        CODEC.encodeLedger(
            new LedgerWrite("status", 2, data, java.time.Instant.parse("2026-12-06T00:00:01Z")));
    BlockingQueue<DeviceLedgerReport> ledgers = new LinkedBlockingQueue<>();
    gateway.onLedger(ledgers::add);
    device.publish(Topics.ledger("gw-ledger"), write);
    assertThat(ledgers.poll(5, TimeUnit.SECONDS)).isNotNull();

    long sent =
        CODEC.encodeCommand(copy).length + CODEC.encodeCommand(LedgerAck.of("status", 1)).length;
    assertThat(gateway.drainUsage())
        .containsExactly(Map.entry("gw-ledger", new DeviceUsage(0, sent + write.length, 2)));
  }

  @Test
  void reportsOnAnotherDevicesTopicOrForAnotherUpdateAreIgnored() throws Exception {
    ScriptedDevice alpha = device("gw-alpha");
    ScriptedDevice beta = device("gw-beta");
    ScriptedDevice rogue = device("gw-rogue");
    gateway.offer(delivery("gw-alpha", "u-alpha", bytes(100), 100));
    gateway.offer(delivery("gw-beta", "u-beta", bytes(100), 100));
    alpha.commands.poll(5, TimeUnit.SECONDS);
    beta.commands.poll(5, TimeUnit.SECONDS);

    // Claims on beta's topic that alpha's update succeeded; and the same on its own topic.
    rogue.publish(
        Topics.status("gw-beta"), StatusReport.of("u-alpha", DeviceState.SUCCEEDED, "2.0.0"));
    rogue.report(StatusReport.of("u-alpha", DeviceState.SUCCEEDED, "2.0.0"));
    rogue.publish(Topics.status("gw-beta"), "{not json".getBytes(StandardCharsets.UTF_8));
    alpha.report(
        StatusReport.failure(
            "u-alpha", DeviceState.REJECTED, ErrorCode.DOWNGRADE_REFUSED, null, "3.0.0"));

    DeviceReport only = reports.poll(5, TimeUnit.SECONDS);
    assertThat(only.deviceId()).isEqualTo("gw-alpha");
    assertThat(only.report().state()).isEqualTo(DeviceState.REJECTED);
    assertThat(reports.poll(300, TimeUnit.MILLISECONDS)).isNull();
    assertThat(gateway.stats().activeDeliveries()).isEqualTo(1);
  }

  @Test
  void cancelStopsTheTransferAndTheDeviceConfirms() throws Exception {
    ScriptedDevice device = device("gw-cancel");
    gateway.offer(delivery("gw-cancel", "u-cancel", bytes(1000), 100));
    device.commands.poll(5, TimeUnit.SECONDS);
    device.report(downloading("u-cancel", 0));
    device.take(4);

    gateway.cancel("gw-cancel", "u-cancel");

    assertThat(device.commands.poll(5, TimeUnit.SECONDS)).isEqualTo(new CancelUpdate("u-cancel"));
    device.report(downloading("u-cancel", 400));
    device.report(
        StatusReport.failure("u-cancel", DeviceState.FAILED, ErrorCode.CANCELED, null, "1.0.0"));
    assertThat(nextReports(2))
        .extracting(r -> r.report().state())
        .containsExactly(DeviceState.DOWNLOADING, DeviceState.FAILED);
    assertThat(device.chunks.poll(300, TimeUnit.MILLISECONDS)).isNull();
    assertThat(gateway.stats().activeDeliveries()).isZero();
  }

  @Test
  void presenceIsPassedOnWithTheDeviceIdFromTheTopic() throws Exception {
    ScriptedDevice device = device("gw-presence");
    device.publish(Topics.presence("gw-presence"), CODEC.encodePresence(Presence.online("1.2.3")));

    PresenceEvent event = presences.poll(5, TimeUnit.SECONDS);
    assertThat(event).isEqualTo(new PresenceEvent("gw-presence", Presence.online("1.2.3")));
  }

  @Test
  void aGatewayWithoutSharedSubscriptionsHearsEveryMessageBesideTheWorkerGroup() throws Exception {
    BlockingQueue<DeviceEventReport> grouped = new LinkedBlockingQueue<>();
    gateway.onEvent(grouped::add);
    BlockingQueue<DeviceEventReport> plain = new LinkedBlockingQueue<>();
    try (MqttDeviceGateway alone =
        MqttDeviceGateway.connect(GatewayOptions.of(broker.url()).withSharedSubscriptions(false))) {
      alone.onEvent(plain::add);
      ScriptedDevice device = device("gw-plain");
      for (int i = 0; i < 6; i++) {
        device.publish(Topics.events("gw-plain"), CODEC.encodeEvent(DeviceEvent.of("n", "" + i)));
      }
      // Had it joined the worker group, the broker would have split the six between the two.
      for (BlockingQueue<DeviceEventReport> heard : List.of(plain, grouped)) {
        List<String> data = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          DeviceEventReport report = heard.poll(5, TimeUnit.SECONDS);
          assertThat(report).as("event %d", i).isNotNull();
          assertThat(report.deviceId()).isEqualTo("gw-plain");
          data.add(report.event().data());
        }
        assertThat(data).containsExactly("0", "1", "2", "3", "4", "5");
      }
      assertThat(plain.poll(300, TimeUnit.MILLISECONDS)).as("each event once").isNull();
    }
  }

  @ParameterizedTest(name = "shared subscriptions: {0}")
  @ValueSource(booleans = {true, false})
  void presenceTheBrokerKeptWhileNoGatewayListenedIsReadWhenAGatewayJoins(
      boolean shared, @TempDir Path ownBrokerDir) throws Exception {
    EmbeddedMqttBroker own = EmbeddedMqttBroker.start(ownBrokerDir, 0, null);
    Mqtt5AsyncClient device =
        Mqtt5Client.builder()
            .identifier("gw-kept")
            .serverHost("127.0.0.1")
            .serverPort(own.port())
            .buildAsync();
    try {
      device.connect().get(5, TimeUnit.SECONDS);
      // Published while no gateway listens: the shared subscription would never hand it out.
      device
          .publishWith()
          .topic(Topics.presence("gw-kept"))
          .qos(MqttQos.AT_LEAST_ONCE)
          .retain(true)
          .payload(CODEC.encodePresence(Presence.online("1.4.0")))
          .send()
          .get(5, TimeUnit.SECONDS);
      BlockingQueue<PresenceEvent> seen = new LinkedBlockingQueue<>();
      Instant before = Instant.now();
      try (MqttDeviceGateway joining =
          MqttDeviceGateway.connect(GatewayOptions.of(own.url()).withSharedSubscriptions(shared))) {
        joining.onPresence(seen::add);

        PresenceEvent kept = seen.poll(5, TimeUnit.SECONDS);
        assertThat(kept).isNotNull();
        assertThat(kept.deviceId()).isEqualTo("gw-kept");
        assertThat(kept.presence()).isEqualTo(Presence.online("1.4.0"));
        assertThat(kept.retainedAsOf()).isBetween(before, Instant.now());

        // Once the reading is over, a live presence comes once, as published.
        Thread.sleep(MqttDeviceGateway.SNAPSHOT_QUIET_MILLIS + 1_000);
        device
            .publishWith()
            .topic(Topics.presence("gw-kept"))
            .qos(MqttQos.AT_LEAST_ONCE)
            .retain(true)
            .payload(CODEC.encodePresence(Presence.online("1.5.0")))
            .send()
            .get(5, TimeUnit.SECONDS);
        assertThat(seen.poll(5, TimeUnit.SECONDS))
            .isEqualTo(new PresenceEvent("gw-kept", Presence.online("1.5.0")));
        assertThat(seen.poll(500, TimeUnit.MILLISECONDS)).as("exactly one copy").isNull();
      }
    } finally {
      device.disconnect();
      own.close();
    }
  }

  @Test
  void theGatewayListensAgainAfterTheBrokerRestarts(@TempDir Path ownBrokerDir) throws Exception {
    EmbeddedMqttBroker own = EmbeddedMqttBroker.start(ownBrokerDir, 0, null);
    int port = own.port();
    BlockingQueue<PresenceEvent> seen = new LinkedBlockingQueue<>();
    try (MqttDeviceGateway restarted = MqttDeviceGateway.connect(GatewayOptions.of(own.url()))) {
      restarted.onPresence(seen::add);
      own.close();
      own = EmbeddedMqttBroker.start(ownBrokerDir, port, null);

      Mqtt5AsyncClient device =
          Mqtt5Client.builder()
              .identifier("gw-restart")
              .serverHost("127.0.0.1")
              .serverPort(port)
              .buildAsync();
      device.connect().get(5, TimeUnit.SECONDS);
      byte[] online = CODEC.encodePresence(Presence.online("1.0.0"));
      PresenceEvent first = null;
      for (int attempt = 0; attempt < 60 && first == null; attempt++) {
        device
            .publishWith()
            .topic(Topics.presence("gw-restart"))
            .payload(online)
            .send()
            .get(5, TimeUnit.SECONDS);
        first = seen.poll(500, TimeUnit.MILLISECONDS);
      }
      assertThat(first).as("presence after the broker restart").isNotNull();
      // Copies of the presences published while the gateway resubscribed may still be on their
      // way: drain them until none has arrived for 300 ms, so that the count below sees only the
      // next one.
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(10))
          .until(() -> seen.poll() == null);

      device
          .publishWith()
          .topic(Topics.presence("gw-restart"))
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(online)
          .send()
          .get(5, TimeUnit.SECONDS);
      assertThat(seen.poll(5, TimeUnit.SECONDS)).isNotNull();
      assertThat(seen.poll(500, TimeUnit.MILLISECONDS)).as("exactly one copy").isNull();
      device.disconnect().get(5, TimeUnit.SECONDS);
    } finally {
      own.close();
    }
  }

  // ---- helpers ----

  private List<DeviceReport> nextReports(int n) throws InterruptedException {
    List<DeviceReport> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      DeviceReport report = reports.poll(5, TimeUnit.SECONDS);
      assertThat(report).as("report %d of %d", i + 1, n).isNotNull();
      list.add(report);
    }
    return list;
  }

  private static StatusReport downloading(String updateId, long offset) {
    // Distinct send times, as a real device's clock gives them.
    return new StatusReport(
        updateId,
        DeviceState.DOWNLOADING,
        offset,
        null,
        null,
        "1.0.0",
        Instant.ofEpochMilli(CLOCK.incrementAndGet()));
  }

  private static List<Long> offsets(List<ChunkFrame> chunks) {
    return chunks.stream().map(ChunkFrame::offset).toList();
  }

  private static byte[] bytes(int n) {
    byte[] bytes = new byte[n];
    for (int i = 0; i < n; i++) {
      bytes[i] = (byte) (i * 31);
    }
    return bytes;
  }

  private static Delivery delivery(String deviceId, String updateId, byte[] image, int chunkSize)
      throws Exception {
    String sha = Sha256.hex(image);
    return new Delivery(
        deviceId,
        updateId,
        "2.0.0",
        Artifact.full(image.length, sha, chunkSize),
        ArtifactSource.ofBytes(image));
  }

  private ScriptedDevice device(String id) throws Exception {
    ScriptedDevice device = new ScriptedDevice(id);
    clients.add(device);
    return device;
  }

  /** A device whose every move the test makes by hand. */
  private static final class ScriptedDevice implements AutoCloseable {
    final String id;
    final Mqtt5AsyncClient client;
    final BlockingQueue<Command> commands = new LinkedBlockingQueue<>();
    final BlockingQueue<ChunkFrame> chunks = new LinkedBlockingQueue<>();

    ScriptedDevice(String id) throws Exception {
      this.id = id;
      this.client =
          Mqtt5Client.builder()
              .identifier(id)
              .serverHost("127.0.0.1")
              .serverPort(broker.port())
              .buildAsync();
      client.publishes(
          MqttGlobalPublishFilter.ALL,
          p -> {
            if (p.getTopic().toString().endsWith("/cmd")) {
              commands.add(CODEC.decodeCommand(p.getPayloadAsBytes()));
            } else {
              chunks.add(CODEC.decodeChunk(p.getPayloadAsBytes()));
            }
          });
      client.connect().get(5, TimeUnit.SECONDS);
      client
          .subscribeWith()
          .addSubscription()
          .topicFilter(Topics.cmd(id))
          .qos(MqttQos.AT_LEAST_ONCE)
          .applySubscription()
          .addSubscription()
          .topicFilter(Topics.data(id))
          .qos(MqttQos.AT_LEAST_ONCE)
          .applySubscription()
          .send()
          .get(5, TimeUnit.SECONDS);
    }

    List<ChunkFrame> take(int n) throws InterruptedException {
      List<ChunkFrame> list = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ChunkFrame chunk = chunks.poll(5, TimeUnit.SECONDS);
        assertThat(chunk).as("chunk %d of %d", i + 1, n).isNotNull();
        list.add(chunk);
      }
      return list;
    }

    void report(StatusReport report) throws Exception {
      publish(Topics.status(id), CODEC.encodeReport(report));
    }

    void publish(String topic, StatusReport report) throws Exception {
      publish(topic, CODEC.encodeReport(report));
    }

    void publish(String topic, byte[] payload) throws Exception {
      client
          .publishWith()
          .topic(topic)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(payload)
          .send()
          .get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      client.disconnect().orTimeout(5, TimeUnit.SECONDS).join();
    }
  }
}
