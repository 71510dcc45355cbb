package dev.firmament.protocol.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import dev.firmament.devstack.FreePorts;
import dev.firmament.protocol.BrokerAddress;
import dev.firmament.protocol.BrokerTls;
import dev.firmament.protocol.Topics;
import dev.firmament.protocol.server.GatewayOptions;
import dev.firmament.protocol.server.MqttDeviceGateway;
import dev.firmament.protocol.server.PresenceEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production broker's device identity, on Debian's Mosquitto run with the production
 * configuration ({@code deploy/compose/mosquitto/mosquitto.conf}, its paths and ports adjusted, its
 * TLS listener given a test CA's certificate) and provisioned by {@code provision.sh}; device
 * accounts are made by {@link MosquittoDynamicSecurity}. A device connects only with its own secret
 * and client id and uses only its own topics; an anonymous client is refused; a rotated secret ends
 * the live session; the API's account only calls devices and hears their replies; a device's events
 * reach the workers' shared subscription; a device role made before cloud calls or events is given
 * their ACLs. Skipped when Mosquitto or its dynamic-security plugin is not installed. Mosquitto 2.0
 * does not substitute {@code %c}, so devices get roles of their own.
 */
class MosquittoDynamicSecurityTest {
  private static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");
  private static final Path CTRL = Path.of("/usr/bin/mosquitto_ctrl");
  private static final List<Path> PLUGINS =
      List.of(
          Path.of("/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"),
          Path.of("/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so"),
          Path.of("/usr/lib/mosquitto_dynamic_security.so"));
  private static final Path DEPLOY = Path.of("..", "deploy", "compose", "mosquitto");
  private static final String ADMIN_PASSWORD = "admin-secret";
  private static final String WORKERS_PASSWORD = "workers-secret";
  private static final String API_PASSWORD = "api-secret";

  @TempDir static Path dir;
  private static Process broker;
  private static int port;

  /** The TLS listener's port, or 0 when openssl is missing and the listener is left out. */
  private static int tlsPort;

  private static MosquittoDynamicSecurity accounts;

  @BeforeAll
  static void start() throws Exception {
    Path plugin = PLUGINS.stream().filter(Files::exists).findFirst().orElse(null);
    Assumptions.assumeTrue(
        Files.isExecutable(MOSQUITTO) && Files.isExecutable(CTRL) && plugin != null,
        "skipped: Mosquitto 2 with its dynamic-security plugin is not installed"
            + " (apt-get install mosquitto mosquitto-clients)");
    port = FreePorts.pick();
    if (Files.isExecutable(OPENSSL)) {
      makeCertificates();
      tlsPort = FreePorts.pick();
    }
    Path dynsec = dir.resolve("dynamic-security.json");
    run(
        List.of(CTRL.toString(), "dynsec", "init", dynsec.toString(), "admin", ADMIN_PASSWORD),
        Map.of());
    Path config = dir.resolve("mosquitto.conf");
    Files.writeString(config, localConfig(plugin, dynsec));
    broker =
        new ProcessBuilder(MOSQUITTO.toString(), "-c", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("mosquitto.log").toFile())
            .start();
    await().atMost(Duration.ofSeconds(10)).until(() -> !broker.isAlive() || accepts(port));
    assertThat(broker.isAlive()).as(Files.readString(dir.resolve("mosquitto.log"))).isTrue();
    String provisioned =
        run(
            List.of("sh", DEPLOY.resolve("provision.sh").toString()),
            Map.of(
                "MOSQUITTO_ADMIN_PASSWORD",
                ADMIN_PASSWORD,
                "FIRMAMENT_MQTT_PASSWORD",
                WORKERS_PASSWORD,
                "FIRMAMENT_API_MQTT_PASSWORD",
                API_PASSWORD,
                "MQTT_HOST",
                "127.0.0.1",
                "MQTT_PORT",
                Integer.toString(port)));
    assertThat(provisioned).contains("provisioned for firmament");
    accounts = new MosquittoDynamicSecurity(options(port, Duration.ofSeconds(10)));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (accounts != null) {
      accounts.close();
    }
    if (broker != null) {
      broker.destroy();
      broker.waitFor(5, TimeUnit.SECONDS);
    }
  }

  private static MosquittoDynamicSecurity.Options options(int port, Duration timeout) {
    return new MosquittoDynamicSecurity.Options(
        new BrokerAddress("127.0.0.1", port),
        false,
        null,
        "admin",
        ADMIN_PASSWORD,
        "firmament-device",
        true,
        timeout);
  }

  private static final Path OPENSSL = Path.of("/usr/bin/openssl");

  /** Another CA; a CA, and the broker's certificate for 127.0.0.1 signed by it. */
  private static void makeCertificates() throws IOException, InterruptedException {
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    String d = dir.toString();
    run(
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=another-ca",
            "-keyout",
            d + "/other-ca.key",
            "-out",
            d + "/other-ca.crt"),
        Map.of());
    run(
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=firmament-test-ca",
            "-keyout",
            d + "/ca.key",
            "-out",
            d + "/ca.crt"),
        Map.of());
    run(
        List.of(
            "openssl",
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            d + "/server.key",
            "-out",
            d + "/server.csr"),
        Map.of());
    run(
        List.of(
            "openssl",
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            d + "/server.csr",
            "-CA",
            d + "/ca.crt",
            "-CAkey",
            d + "/ca.key",
            "-CAcreateserial",
            "-extfile",
            d + "/san.ext",
            "-out",
            d + "/server.crt"),
        Map.of());
  }

  /**
   * The production configuration with this machine's plugin path, the data in the test's directory,
   * the plain listener and the TLS listener (with a test CA's certificate) on free loopback ports,
   * or no TLS listener when openssl is missing; everything else as shipped.
   */
  private static String localConfig(Path plugin, Path dynsec) throws IOException {
    String shipped = Files.readString(DEPLOY.resolve("mosquitto.conf"));
    assertThat(shipped).contains("allow_anonymous false", "mosquitto_dynamic_security.so");
    List<String> lines = new ArrayList<>();
    boolean inTlsListener = false;
    for (String line : shipped.split("\n")) {
      if (line.startsWith("listener 8883")) {
        inTlsListener = true;
      } else if (line.startsWith("listener ") || line.isBlank() || line.startsWith("#")) {
        inTlsListener = false;
      }
      if (inTlsListener && tlsPort == 0) {
        continue;
      }
      if (line.startsWith("plugin ")) {
        line = "plugin " + plugin;
      } else if (line.startsWith("plugin_opt_config_file ")) {
        line = "plugin_opt_config_file " + dynsec;
      } else if (line.startsWith("listener 1883 ")) {
        line = "listener " + port + " 127.0.0.1";
      } else if (line.startsWith("listener 8883 ")) {
        line = "listener " + tlsPort + " 127.0.0.1";
      } else if (line.startsWith("certfile ")) {
        line = "certfile " + dir.resolve("server.crt");
      } else if (line.startsWith("keyfile ")) {
        line = "keyfile " + dir.resolve("server.key");
      } else if (line.startsWith("persistence_location ")) {
        line = "persistence_location " + dir + "/";
      }
      lines.add(line);
    }
    // Run as root, Mosquitto would switch to the user "mosquitto", who cannot write here.
    lines.add("user " + System.getProperty("user.name"));
    return String.join("\n", lines) + "\n";
  }

  @Test
  void aDeviceConnectsOnlyAsItselfAndUsesOnlyItsOwnTopics() throws Exception {
    accounts.provision(Map.of("dev-a", "secret-a", "dev-b", "secret-b"));
    List<String> received = new CopyOnWriteArrayList<>();
    Mqtt5BlockingClient workers =
        connect("firmament-workers-1", "firmament-workers", WORKERS_PASSWORD);
    workers
        .toAsync()
        .subscribeWith()
        .topicFilter("$share/firmament-workers/fw/+/status")
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(
            p ->
                received.add(
                    p.getTopic() + " " + new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))
        .send()
        .get(5, TimeUnit.SECONDS);
    BlockingQueue<Mqtt5Publish> events = new LinkedBlockingQueue<>();
    workers
        .toAsync()
        .subscribeWith()
        .topicFilter("$share/firmament-workers/fw/+/events")
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(events::add)
        .send()
        .get(5, TimeUnit.SECONDS);
    BlockingQueue<Mqtt5Publish> telemetry = new LinkedBlockingQueue<>();
    workers
        .toAsync()
        .subscribeWith()
        .topicFilter(Topics.sharedFilter(Topics.Kind.TELEMETRY))
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(telemetry::add)
        .send()
        .get(5, TimeUnit.SECONDS);
    Mqtt5BlockingClient a = connect("dev-a", "dev-a", "secret-a");
    try {
      assertThat(publish(a, "fw/dev-a/status", "own")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
      assertThat(publish(a, "fw/dev-b/status", "spoofed"))
          .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
      assertThat(publish(a, "fw/dev-a/cmd", "to itself"))
          .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
      assertThatThrownBy(
              () -> a.subscribeWith().topicFilter("fw/dev-b/cmd").qos(MqttQos.AT_LEAST_ONCE).send())
          .isInstanceOfSatisfying(
              Mqtt5SubAckException.class,
              e ->
                  assertThat(e.getMqttMessage().getReasonCodes())
                      .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
      // Its own commands reach it: it may subscribe to them and receive what the workers send.
      List<String> commands = new CopyOnWriteArrayList<>();
      a.toAsync()
          .subscribeWith()
          .topicFilter("fw/dev-a/cmd")
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(p -> commands.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))
          .send()
          .get(5, TimeUnit.SECONDS);
      assertThat(publish(workers, "fw/dev-a/cmd", "offer"))
          .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
      await().atMost(Duration.ofSeconds(5)).until(() -> commands.contains("offer"));
      await().atMost(Duration.ofSeconds(5)).until(() -> received.contains("fw/dev-a/status own"));
      assertThat(received).containsExactly("fw/dev-a/status own");

      // Its events reach the workers' shared subscription; another device's events topic is not
      // its to publish on, and no events topic is its to read.
      assertThat(publish(a, Topics.events("dev-a"), "{\"name\":\"boot\"}"))
          .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
      Mqtt5Publish event = events.poll(5, TimeUnit.SECONDS);
      assertThat(event).as("the event at the workers").isNotNull();
      assertThat(event.getTopic().toString()).isEqualTo(Topics.events("dev-a"));
      assertThat(text(event.getPayloadAsBytes())).isEqualTo("{\"name\":\"boot\"}");
      assertThat(publish(a, Topics.events("dev-b"), "{\"name\":\"forged\"}"))
          .isEqualTo(NOT_AUTHORIZED);
      for (String filter : List.of(Topics.events("dev-a"), Topics.events("dev-b"), "fw/+/events")) {
        assertThat(subscribe(a, filter)).as(filter).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
      }
      assertThat(events.poll(1, TimeUnit.SECONDS)).as("a forged event at the workers").isNull();

      // Its vitals and logs likewise: its own topic only, and none to read.
      String vitals = "{\"type\":\"vitals\",\"uptime\":1}";
      assertThat(publish(a, Topics.telemetry("dev-a"), vitals))
          .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
      Mqtt5Publish sent = telemetry.poll(5, TimeUnit.SECONDS);
      assertThat(sent).as("the vitals at the workers").isNotNull();
      assertThat(sent.getTopic().toString()).isEqualTo(Topics.telemetry("dev-a"));
      assertThat(publish(a, Topics.telemetry("dev-b"), vitals)).isEqualTo(NOT_AUTHORIZED);
      for (String filter : List.of(Topics.telemetry("dev-a"), "fw/+/telemetry")) {
        assertThat(subscribe(a, filter)).as(filter).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
      }
      assertThat(telemetry.poll(1, TimeUnit.SECONDS)).as("forged vitals at the workers").isNull();

      // Its ledger sync and writes reach the workers' shared subscription the same way; another
      // device's ledger topic is not its to publish on, and no ledger topic is its to read.
      BlockingQueue<Mqtt5Publish> ledger = new LinkedBlockingQueue<>();
      workers
          .toAsync()
          .subscribeWith()
          .topicFilter("$share/firmament-workers/fw/+/ledger")
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(ledger::add)
          .send()
          .get(5, TimeUnit.SECONDS);
      assertThat(publish(a, Topics.ledger("dev-a"), "{\"type\":\"sync\"}"))
          .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
      Mqtt5Publish sync = ledger.poll(5, TimeUnit.SECONDS);
      assertThat(sync).as("the sync request at the workers").isNotNull();
      assertThat(sync.getTopic().toString()).isEqualTo(Topics.ledger("dev-a"));
      assertThat(publish(a, Topics.ledger("dev-b"), "{\"type\":\"sync\"}"))
          .isEqualTo(NOT_AUTHORIZED);
      for (String filter : List.of(Topics.ledger("dev-a"), Topics.ledger("dev-b"), "fw/+/ledger")) {
        assertThat(subscribe(a, filter)).as(filter).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
      }
      assertThat(ledger.poll(1, TimeUnit.SECONDS)).as("a forged write at the workers").isNull();

      // Its network configuration syncs and acknowledgements likewise.
      BlockingQueue<Mqtt5Publish> network = new LinkedBlockingQueue<>();
      workers
          .toAsync()
          .subscribeWith()
          .topicFilter("$share/firmament-workers/fw/+/network")
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(network::add)
          .send()
          .get(5, TimeUnit.SECONDS);
      assertThat(publish(a, Topics.network("dev-a"), "{\"type\":\"sync\",\"version\":0}"))
          .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
      Mqtt5Publish networkSync = network.poll(5, TimeUnit.SECONDS);
      assertThat(networkSync).as("the network sync at the workers").isNotNull();
      assertThat(networkSync.getTopic().toString()).isEqualTo(Topics.network("dev-a"));
      assertThat(publish(a, Topics.network("dev-b"), "{\"type\":\"sync\",\"version\":0}"))
          .isEqualTo(NOT_AUTHORIZED);
      for (String filter : List.of(Topics.network("dev-a"), "fw/+/network")) {
        assertThat(subscribe(a, filter)).as(filter).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
      }
      assertThat(network.poll(1, TimeUnit.SECONDS)).as("a forged ack at the workers").isNull();
    } finally {
      a.disconnect();
      workers.disconnect();
    }

    assertThatThrownBy(() -> connect("dev-a", "dev-a", "secret-b"))
        .isInstanceOf(Mqtt5ConnAckException.class);
    assertThatThrownBy(() -> connect("dev-b", "dev-a", "secret-a"))
        .as("a device's credentials under another client id")
        .isInstanceOf(Mqtt5ConnAckException.class);
    assertThatThrownBy(
            () ->
                Mqtt5Client.builder()
                    .identifier("anonymous")
                    .serverHost("127.0.0.1")
                    .serverPort(port)
                    .buildBlocking()
                    .connect())
        .isInstanceOf(Mqtt5ConnAckException.class);
  }

  @Test
  void manyDevicesRegisteredAtOnceGoInMessagesThatEachFitTheTimeout() throws Exception {
    // The plugin writes its whole file after every command, so one message of 400 devices (800
    // commands) took 3 to 10 s here; in messages of 100 commands each answer comes well within 3 s.
    Map<String, String> secrets = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 400; i++) {
      secrets.put(String.format("bulk-%03d", i), "secret-" + i);
    }
    try (MosquittoDynamicSecurity quick =
        new MosquittoDynamicSecurity(options(port, Duration.ofSeconds(3)))) {
      quick.provision(secrets);
    }

    for (String device : List.of("bulk-000", "bulk-399")) {
      Mqtt5BlockingClient client = connect(device, device, secrets.get(device));
      client.disconnect();
    }
  }

  @Test
  void aRotatedSecretEndsTheLiveSessionAndOnlyTheNewSecretGetsIn() throws Exception {
    accounts.provision(Map.of("dev-r", "first"));
    Mqtt5BlockingClient device = connect("dev-r", "dev-r", "first");

    accounts.provision(Map.of("dev-r", "second"));

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> device.getState() == MqttClientState.DISCONNECTED);
    assertThatThrownBy(() -> connect("dev-r", "dev-r", "first"))
        .isInstanceOf(Mqtt5ConnAckException.class);
    Mqtt5BlockingClient again = connect("dev-r", "dev-r", "second");
    // Accepted (nobody listens to its presence in this test).
    assertThat(publish(again, "fw/dev-r/presence", "{}"))
        .isEqualTo(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
    assertThat(publish(again, "fw/dev-a/presence", "{}"))
        .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
    again.disconnect();
  }

  @Test
  void overTlsTheAccountsAreKeptAndTheWorkersHearTheDevices() throws Exception {
    Assumptions.assumeTrue(tlsPort != 0, "skipped: no openssl to make the test certificates");
    // A bundle, as CA files often are: this broker's authority, then another one.
    Path ca = dir.resolve("bundle.crt");
    Files.writeString(
        ca,
        Files.readString(dir.resolve("ca.crt")) + Files.readString(dir.resolve("other-ca.crt")));
    MosquittoDynamicSecurity.Options overTls =
        new MosquittoDynamicSecurity.Options(
            new BrokerAddress("127.0.0.1", tlsPort),
            true,
            ca,
            "admin",
            ADMIN_PASSWORD,
            "firmament-device",
            true,
            Duration.ofSeconds(10));
    try (MosquittoDynamicSecurity tlsAccounts = new MosquittoDynamicSecurity(overTls);
        MqttDeviceGateway gateway =
            MqttDeviceGateway.connect(
                GatewayOptions.of("tcp://127.0.0.1:" + tlsPort)
                    .withCredentials("firmament-workers", WORKERS_PASSWORD)
                    .withTls(true, ca))) {
      tlsAccounts.provision(Map.of("dev-t", "secret-t"));
      BlockingQueue<PresenceEvent> heard = new LinkedBlockingQueue<>();
      gateway.onPresence(heard::add);

      Mqtt5BlockingClient device =
          BrokerTls.apply(
                  Mqtt5Client.builder()
                      .identifier("dev-t")
                      .serverHost("127.0.0.1")
                      .serverPort(tlsPort)
                      .simpleAuth()
                      .username("dev-t")
                      .password("secret-t".getBytes(StandardCharsets.UTF_8))
                      .applySimpleAuth(),
                  true,
                  ca)
              .buildBlocking();
      device.connect();
      device
          .publishWith()
          .topic("fw/dev-t/presence")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(
              "{\"online\":true,\"currentVersion\":\"3.0.0\"}".getBytes(StandardCharsets.UTF_8))
          .send();
      PresenceEvent event = heard.poll(10, TimeUnit.SECONDS);
      assertThat(event).isNotNull();
      assertThat(event.deviceId()).isEqualTo("dev-t");
      assertThat(event.presence().currentVersion()).isEqualTo("3.0.0");
      device.disconnect();
    }
    // The broker's certificate is checked: trusting only the JVM's authorities, no connection.
    assertThatThrownBy(
            () ->
                Mqtt5Client.builder()
                    .identifier("dev-t")
                    .serverHost("127.0.0.1")
                    .serverPort(tlsPort)
                    .sslWithDefaultConfig()
                    .simpleAuth()
                    .username("dev-t")
                    .password("secret-t".getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth()
                    .buildBlocking()
                    .connect())
        .isNotInstanceOf(Mqtt5ConnAckException.class);
  }

  @Test
  void theApiAccountCallsDevicesAndHearsTheirRepliesAndNothingElse() throws Exception {
    accounts.provision(Map.of("dev-c", "secret-c"));
    Mqtt5BlockingClient api = connect("firmament-api-1", "firmament-api", API_PASSWORD);
    Mqtt5BlockingClient workers =
        connect("firmament-workers-2", "firmament-workers", WORKERS_PASSWORD);
    Mqtt5BlockingClient device = connect("dev-c", "dev-c", "secret-c");
    try {
      BlockingQueue<Mqtt5Publish> calls = new LinkedBlockingQueue<>();
      device
          .toAsync()
          .subscribeWith()
          .topicFilter(Topics.call("dev-c"))
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(calls::add)
          .send()
          .get(5, TimeUnit.SECONDS);
      BlockingQueue<Mqtt5Publish> replies = new LinkedBlockingQueue<>();
      api.toAsync()
          .subscribeWith()
          .topicFilter(Topics.replyFilter("api-1"))
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(replies::add)
          .send()
          .get(5, TimeUnit.SECONDS);

      assertThat(publishCall(api, "dev-c", "api-1", "c-1"))
          .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
      Mqtt5Publish call = calls.poll(5, TimeUnit.SECONDS);
      assertThat(call).as("the call at the device").isNotNull();
      assertThat(call.getResponseTopic().map(Object::toString))
          .contains(Topics.reply("dev-c", "api-1"));
      assertThat(call.getCorrelationData().map(MosquittoDynamicSecurityTest::text)).contains("c-1");
      assertThat(publish(device, Topics.reply("dev-c", "api-1"), "answer"))
          .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
      Mqtt5Publish reply = replies.poll(5, TimeUnit.SECONDS);
      assertThat(reply).as("the reply at the API").isNotNull();
      assertThat(reply.getTopic().toString()).isEqualTo(Topics.reply("dev-c", "api-1"));
      assertThat(text(reply.getPayloadAsBytes())).isEqualTo("answer");

      // The API neither commands nor feeds devices, nor answers or reports in a device's name.
      for (String topic :
          List.of(
              Topics.cmd("dev-c"),
              Topics.data("dev-c"),
              Topics.reply("dev-c", "api-1"),
              Topics.events("dev-c"),
              Topics.telemetry("dev-c"))) {
        assertThat(publish(api, topic, "{}")).as(topic).isEqualTo(NOT_AUTHORIZED);
      }
      // It reads no device's reports or events, and no calls.
      for (String filter :
          List.of(
              "fw/+/status",
              "fw/+/presence",
              "fw/+/call",
              "fw/+/events",
              "fw/+/telemetry",
              "$share/firmament-workers/fw/+/status",
              "$share/firmament-workers/fw/+/events",
              "$share/firmament-workers/fw/+/telemetry")) {
        assertThat(subscribe(api, filter))
            .as(filter)
            .isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
      }
      // The workers' account has no part in calls.
      assertThat(publishCall(workers, "dev-c", "api-1", "c-2")).isEqualTo(NOT_AUTHORIZED);
      assertThat(subscribe(workers, "fw/+/reply/+"))
          .isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
      assertThat(calls.poll(1, TimeUnit.SECONDS)).as("a call the workers sent").isNull();
      // The workers read events, directly as well as shared, as they read status and presence.
      assertThat(subscribe(workers, "fw/+/events")).isEqualTo(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
      assertThat(subscribe(workers, "fw/+/telemetry"))
          .isEqualTo(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
    } finally {
      device.disconnect();
      workers.disconnect();
      api.disconnect();
    }
  }

  @Test
  void aDeviceRoleMadeBeforeCloudCallsIsGivenTheirAclsWhenTheDeviceIsProvisionedAgain()
      throws Exception {
    // The role and client a version without calls and events made: status, presence, commands
    // and chunks.
    String role = "firmament-device-dev-old";
    ctrl("createRole", role);
    for (String kind : List.of("status", "presence")) {
      ctrl("addRoleACL", role, "publishClientSend", "fw/dev-old/" + kind, "allow", "10");
    }
    for (String kind : List.of("cmd", "data")) {
      ctrl("addRoleACL", role, "subscribePattern", "fw/dev-old/" + kind, "allow", "10");
      ctrl("addRoleACL", role, "publishClientReceive", "fw/dev-old/" + kind, "allow", "10");
    }
    ctrl("createClient", "dev-old", "-c", "dev-old", "-p", "old-secret");
    ctrl("addClientRole", "dev-old", role);
    // The role and client a version with calls but without events made.
    String callsRole = "firmament-device-dev-calls";
    ctrl("createRole", callsRole);
    for (String kind : List.of("status", "presence", "reply/+")) {
      ctrl("addRoleACL", callsRole, "publishClientSend", "fw/dev-calls/" + kind, "allow", "10");
    }
    for (String kind : List.of("cmd", "data", "call")) {
      ctrl("addRoleACL", callsRole, "subscribePattern", "fw/dev-calls/" + kind, "allow", "10");
      ctrl("addRoleACL", callsRole, "publishClientReceive", "fw/dev-calls/" + kind, "allow", "10");
    }
    ctrl("createClient", "dev-calls", "-c", "dev-calls", "-p", "old-secret");
    ctrl("addClientRole", "dev-calls", callsRole);
    Mqtt5BlockingClient before = connect("dev-old", "dev-old", "old-secret");
    assertThat(subscribe(before, Topics.call("dev-old")))
        .as("calls, before the role is brought up to date")
        .isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
    assertThat(publish(before, Topics.reply("dev-old", "api-1"), "{}")).isEqualTo(NOT_AUTHORIZED);
    assertThat(publish(before, Topics.events("dev-old"), "{}"))
        .as("events, before the role is brought up to date")
        .isEqualTo(NOT_AUTHORIZED);
    before.disconnect();
    Mqtt5BlockingClient callsBefore = connect("dev-calls", "dev-calls", "old-secret");
    assertThat(publish(callsBefore, Topics.events("dev-calls"), "{}")).isEqualTo(NOT_AUTHORIZED);
    assertThat(publish(callsBefore, Topics.telemetry("dev-calls"), "{}")).isEqualTo(NOT_AUTHORIZED);
    assertThat(publish(callsBefore, Topics.ledger("dev-calls"), "{}"))
        .as("ledger messages, before the role is brought up to date")
        .isEqualTo(NOT_AUTHORIZED);
    assertThat(publish(callsBefore, Topics.network("dev-calls"), "{}"))
        .as("network messages, before the role is brought up to date")
        .isEqualTo(NOT_AUTHORIZED);
    callsBefore.disconnect();

    accounts.provision(Map.of("dev-old", "new-secret", "dev-calls", "new-secret"));
    // Again: the ACLs are there now, and the broker's refusal to add them twice is no error.
    accounts.provision(Map.of("dev-old", "newer-secret", "dev-calls", "newer-secret"));

    Mqtt5BlockingClient api = connect("firmament-api-2", "firmament-api", API_PASSWORD);
    Mqtt5BlockingClient workers =
        connect("firmament-workers-3", "firmament-workers", WORKERS_PASSWORD);
    Mqtt5BlockingClient device = connect("dev-old", "dev-old", "newer-secret");
    Mqtt5BlockingClient callsDevice = connect("dev-calls", "dev-calls", "newer-secret");
    try {
      // Both roles now let their device publish its events, which reach the workers.
      BlockingQueue<Mqtt5Publish> events = new LinkedBlockingQueue<>();
      workers
          .toAsync()
          .subscribeWith()
          .topicFilter("$share/firmament-workers/fw/+/events")
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(events::add)
          .send()
          .get(5, TimeUnit.SECONDS);
      for (var entry : Map.of("dev-old", device, "dev-calls", callsDevice).entrySet()) {
        String id = entry.getKey();
        assertThat(publish(entry.getValue(), Topics.events(id), "{}"))
            .as(id)
            .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        Mqtt5Publish event = events.poll(5, TimeUnit.SECONDS);
        assertThat(event).as("the event of " + id + " at the workers").isNotNull();
        assertThat(event.getTopic().toString()).isEqualTo(Topics.events(id));
        assertThat(publish(entry.getValue(), Topics.events("dev-a"), "{}"))
            .as(id + " in another device's name")
            .isEqualTo(NOT_AUTHORIZED);
        // And its ledger messages, on its own ledger topic only.
        assertThat(publish(entry.getValue(), Topics.ledger(id), "{}"))
            .as(id + " ledger")
            .isIn(Mqtt5PubAckReasonCode.SUCCESS, Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
        assertThat(publish(entry.getValue(), Topics.ledger("dev-a"), "{}"))
            .as(id + " ledger in another device's name")
            .isEqualTo(NOT_AUTHORIZED);
        // And its network messages, on its own network topic only.
        assertThat(publish(entry.getValue(), Topics.network(id), "{}"))
            .as(id + " network")
            .isIn(Mqtt5PubAckReasonCode.SUCCESS, Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
        assertThat(publish(entry.getValue(), Topics.network("dev-a"), "{}"))
            .as(id + " network in another device's name")
            .isEqualTo(NOT_AUTHORIZED);
      }
      assertThat(events.poll(1, TimeUnit.SECONDS)).as("a forged event at the workers").isNull();
      // And their telemetry.
      for (var entry : Map.of("dev-old", device, "dev-calls", callsDevice).entrySet()) {
        // Allowed (nobody reads telemetry here, which the broker says as well).
        assertThat(publish(entry.getValue(), Topics.telemetry(entry.getKey()), "{}"))
            .as(entry.getKey())
            .isIn(Mqtt5PubAckReasonCode.SUCCESS, Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
      }

      BlockingQueue<Mqtt5Publish> calls = new LinkedBlockingQueue<>();
      device
          .toAsync()
          .subscribeWith()
          .topicFilter(Topics.call("dev-old"))
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(calls::add)
          .send()
          .get(5, TimeUnit.SECONDS);
      assertThat(publishCall(api, "dev-old", "api-2", "c-3"))
          .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
      assertThat(calls.poll(5, TimeUnit.SECONDS)).as("the call at the device").isNotNull();
      assertThat(publish(device, Topics.reply("dev-old", "api-2"), "{}"))
          .isEqualTo(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
      // Still only its own calls and replies, and its old rights are kept.
      assertThat(subscribe(device, Topics.call("dev-a")))
          .isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
      assertThat(publish(device, Topics.reply("dev-a", "api-2"), "{}")).isEqualTo(NOT_AUTHORIZED);
      assertThat(subscribe(device, Topics.cmd("dev-old")))
          .isEqualTo(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
      assertThat(subscribe(callsDevice, Topics.call("dev-calls")))
          .isEqualTo(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
    } finally {
      callsDevice.disconnect();
      device.disconnect();
      workers.disconnect();
      api.disconnect();
    }
  }

  @Test
  void anUnreachableBrokerIsAClearErrorWithinTheTimeout() throws Exception {
    try (MosquittoDynamicSecurity nowhere =
        new MosquittoDynamicSecurity(options(FreePorts.pick(), Duration.ofSeconds(2)))) {
      assertThatThrownBy(() -> nowhere.provision(Map.of("dev-x", "secret")))
          .isInstanceOf(BrokerAccountsException.class)
          .hasMessageContaining("did not confirm the device accounts");
    }
  }

  @Test
  void anythingButADeviceIdIsRefusedBeforeTheBrokerHearsOfIt() {
    assertThatThrownBy(() -> accounts.provision(Map.of("fw/+/#", "secret")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Mqtt5PubAckReasonCode publish(
      Mqtt5BlockingClient client, String topic, String body) {
    try {
      Mqtt5PublishResult result =
          client
              .publishWith()
              .topic(topic)
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload(body.getBytes(StandardCharsets.UTF_8))
              .send();
      return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
    } catch (Mqtt5PubAckException refused) {
      return refused.getMqttMessage().getReasonCode();
    }
  }

  private static final Mqtt5PubAckReasonCode NOT_AUTHORIZED = Mqtt5PubAckReasonCode.NOT_AUTHORIZED;

  /** A call as the API sends it: QoS 1, with the reply topic and the correlation data. */
  private static Mqtt5PubAckReasonCode publishCall(
      Mqtt5BlockingClient client, String device, String instance, String correlation) {
    try {
      Mqtt5PublishResult result =
          client
              .publishWith()
              .topic(Topics.call(device))
              .qos(MqttQos.AT_LEAST_ONCE)
              .responseTopic(Topics.reply(device, instance))
              .correlationData(correlation.getBytes(StandardCharsets.UTF_8))
              .payload("{}".getBytes(StandardCharsets.UTF_8))
              .send();
      return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
    } catch (Mqtt5PubAckException refused) {
      return refused.getMqttMessage().getReasonCode();
    }
  }

  private static Mqtt5SubAckReasonCode subscribe(Mqtt5BlockingClient client, String filter) {
    try {
      return client
          .subscribeWith()
          .topicFilter(filter)
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .getReasonCodes()
          .getFirst();
    } catch (Mqtt5SubAckException refused) {
      return refused.getMqttMessage().getReasonCodes().getFirst();
    }
  }

  private static String text(java.nio.ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return text(bytes);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * A dynamic-security command through mosquitto_ctrl, as the administrator; fails when refused.
   */
  private static void ctrl(String... command) throws IOException, InterruptedException {
    List<String> line =
        new ArrayList<>(
            List.of(
                CTRL.toString(),
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(port),
                "-u",
                "admin",
                "-P",
                ADMIN_PASSWORD,
                "dynsec"));
    line.addAll(List.of(command));
    assertThat(run(line, Map.of())).as(String.join(" ", command)).doesNotContain("Error");
  }

  private static Mqtt5BlockingClient connect(String clientId, String username, String password) {
    Mqtt5BlockingClient client =
        Mqtt5Client.builder()
            .identifier(clientId)
            .serverHost("127.0.0.1")
            .serverPort(port)
            .simpleAuth()
            .username(username)
            .password(password.getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .buildBlocking();
    client.connect();
    return client;
  }

  private static String run(List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
