package dev.firmament.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.firmament.delta.DeltaApplier;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.BrokerCredentials;
import dev.firmament.protocol.CallError;
import dev.firmament.protocol.CancelUpdate;
import dev.firmament.protocol.ChunkFrame;
import dev.firmament.protocol.CloudReply;
import dev.firmament.protocol.Command;
import dev.firmament.protocol.DeviceCapabilities;
import dev.firmament.protocol.DeviceEvent;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.DownloadLink;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.LedgerAck;
import dev.firmament.protocol.LedgerCopy;
import dev.firmament.protocol.LedgerDocuments;
import dev.firmament.protocol.LedgerSync;
import dev.firmament.protocol.LedgerWrite;
import dev.firmament.protocol.MalformedMessageException;
import dev.firmament.protocol.NetworkAck;
import dev.firmament.protocol.NetworkConfig;
import dev.firmament.protocol.NetworkSync;
import dev.firmament.protocol.Presence;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.SlotLayout;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.Telemetry;
import dev.firmament.protocol.Topics;
import dev.firmament.protocol.Transport;
import dev.firmament.protocol.UpdateOffer;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated device: an MQTT 5 client with A/B slots that follows the device protocol.
 *
 * <p>On connect it subscribes to its cmd and data topics and publishes its presence (retained; its
 * last will says offline). On an offer it asks its {@link OfferPolicy} (signature, delta base,
 * downgrade, slot size) and otherwise accepts with {@code DOWNLOADING} at offset 0. It writes
 * chunks in order through its {@link Installer}, into the inactive slot (a full image) or the
 * staging area (a delta patch), ignores duplicates, acknowledges every {@code ackEvery} chunks and
 * re-acknowledges its position when it sees a gap or reconnects, so the server resumes where it
 * stopped. With all bytes in, the installer applies a patch from the active slot into the inactive
 * one and checks the SHA-256 of the result, the policy checks that the signed manifest names it,
 * and the device installs, "reboots" (a scheduled delay, never a sleep), switches slots and reports
 * {@code SUCCEEDED} with the new version. A hash mismatch or a patch that does not apply reports
 * {@code FAILED}/{@code HASH_MISMATCH} and leaves the active slot alone. One reboot delay after the
 * switch, the installer's health check confirms the new slot.
 *
 * <p>It also answers the cloud's function calls and variable reads on its call topic with the
 * {@link ReferenceCloud}'s functions and variables, as far as it declared them in its presence,
 * publishing each answer to the call's MQTT 5 response topic with its correlation data; a response
 * topic outside its own {@code fw/{id}/reply/} is never answered.
 *
 * <p>It keeps ledgers (docs/device-protocol.md, "Ledgers") in its {@link LedgerStore}: on every
 * connect it sends a sync request naming the versions it holds and resends its own writes the cloud
 * has not acknowledged; it applies a cloud copy only at a higher version than its own. Its cloud
 * ledger {@code config} sets its reporting interval ({@code interval}, as {@code setInterval}), and
 * at every boot it writes its own ledger {@code status}: its boot count, firmware version and boot
 * time. Applications read and write ledgers with {@link #ledger}, {@link #writeLedger} and {@link
 * #onLedgerChange}.
 *
 * <p>It keeps the configuration of the private network it is a member of (docs/device-protocol.md,
 * "Networks") in its {@link NetworkStore}: on every connect it says which one it holds, and it
 * answers every configuration the cloud sends: applied (kept, then shown by {@link #network()}) or
 * rejected with the reason its application's {@link #setNetworkCheck check} gives. A removal drops
 * the configuration. The reference device has no radio to retune: applying is keeping it.
 *
 * <p>The agent itself never misbehaves: the fleet simulator makes a device faulty by putting a
 * {@link FaultInjector} around its installer and its incoming messages.
 *
 * <p>All of the agent's work runs one task at a time on a shared pool (see {@link AgentRuntime}).
 */
public final class DeviceAgent implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DeviceAgent.class);
  private static final ProtocolCodec CODEC = new ProtocolCodec();

  private final AgentConfig config;
  private final Installer installer;
  private final OfferPolicy policy;
  private final Inbound inbound;
  private final AgentRuntime runtime;
  private final SerialExecutor serial;
  private final Mqtt5AsyncClient client;
  private final String cmdTopic;
  private final String dataTopic;
  private final String statusTopic;
  private final String presenceTopic;
  private final String callTopic;
  private final String eventsTopic;
  private final String ledgerTopic;
  private final String networkTopic;
  private final ReferenceCloud cloud;
  private final DeviceTelemetry telemetry;

  private final LedgerStore ledgerStore;
  private final NetworkStore networkStore;

  /** The network configuration the device holds; written on the serial executor only. */
  private volatile NetworkConfig network;

  /** Says why the device cannot apply a network configuration, or null when it can. */
  private volatile Function<NetworkConfig, String> networkCheck = config -> null;

  /** The ledgers the device keeps, by name; confined to the serial executor. */
  private final Map<String, LedgerEntry> ledgers = new HashMap<>();

  /** The same, for readers on any thread. */
  private final Map<String, LedgerEntry> ledgerView = new ConcurrentHashMap<>();

  private final java.util.List<BiConsumer<String, Optional<ObjectNode>>> ledgerListeners =
      new CopyOnWriteArrayList<>();

  // State confined to the serial executor.
  private Download download;
  private String currentVersion;
  private int verifiedHashes;
  private int installs;
  private int powerLosses;
  private boolean connected;
  private boolean closing;
  private volatile DeviceSnapshot snapshot;

  /**
   * Creates a disconnected device that follows the protocol; call {@link #connect()}. The
   * configuration's faults only describe the device in its {@link #snapshot()}: devices with faults
   * come from the {@link FleetSimulator}.
   *
   * @param config identity, broker and behaviour
   * @param slots the device's slots; the active slot's version is the running version
   * @param runtime threads shared with the other agents of the process
   */
  public DeviceAgent(AgentConfig config, SlotStore slots, AgentRuntime runtime) {
    this(config, slots, LedgerStore.inMemory(), runtime);
  }

  /**
   * Creates a disconnected device that keeps its ledgers in {@code ledgers} (a {@link
   * FileLedgerStore} in its state directory keeps them across restarts); call {@link #connect()}.
   */
  public DeviceAgent(
      AgentConfig config, SlotStore slots, LedgerStore ledgers, AgentRuntime runtime) {
    this(config, slots, ledgers, NetworkStore.inMemory(), runtime);
  }

  /**
   * Creates a disconnected device that keeps its ledgers in {@code ledgers} and its network
   * configuration in {@code networks} (files in its state directory keep both across restarts);
   * call {@link #connect()}.
   */
  public DeviceAgent(
      AgentConfig config,
      SlotStore slots,
      LedgerStore ledgers,
      NetworkStore networks,
      AgentRuntime runtime) {
    this(config, new SlotInstaller(slots), runtime, Inbound.Filter.NONE, ledgers, networks);
  }

  /**
   * Creates a disconnected device with one flash slot, rewritten in place by updates ({@link
   * InPlaceInstaller}); call {@link #connect()}.
   */
  DeviceAgent(
      AgentConfig config,
      InPlaceStore store,
      LedgerStore ledgers,
      NetworkStore networks,
      AgentRuntime runtime) {
    this(config, new InPlaceInstaller(store), runtime, Inbound.Filter.NONE, ledgers, networks);
  }

  DeviceAgent(
      AgentConfig config, Installer installer, AgentRuntime runtime, Inbound.Filter inboundFilter) {
    this(config, installer, runtime, inboundFilter, LedgerStore.inMemory());
  }

  /**
   * Creates a disconnected agent; call {@link #connect()}.
   *
   * @param installer puts downloads in place
   * @param inboundFilter stands in front of the agent's handling of incoming messages; it gets the
   *     agent's link now, before any message arrives
   */
  DeviceAgent(
      AgentConfig config,
      Installer installer,
      AgentRuntime runtime,
      Inbound.Filter inboundFilter,
      LedgerStore ledgerStore) {
    this(config, installer, runtime, inboundFilter, ledgerStore, NetworkStore.inMemory());
  }

  DeviceAgent(
      AgentConfig config,
      Installer installer,
      AgentRuntime runtime,
      Inbound.Filter inboundFilter,
      LedgerStore ledgerStore,
      NetworkStore networkStore) {
    this.config = Objects.requireNonNull(config, "config");
    this.installer = Objects.requireNonNull(installer, "installer");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.policy =
        new OfferPolicy(
            config.verifier(), config.slotCapacity(), config.deviceId(), Clock.systemUTC());
    this.serial = new SerialExecutor(runtime.workers());
    this.currentVersion =
        Objects.requireNonNull(installer.runningVersion(), "active slot has no version");
    String id = config.deviceId();
    this.cmdTopic = Topics.cmd(id);
    this.dataTopic = Topics.data(id);
    this.statusTopic = Topics.status(id);
    this.presenceTopic = Topics.presence(id);
    this.callTopic = Topics.call(id);
    this.eventsTopic = Topics.events(id);
    this.ledgerTopic = Topics.ledger(id);
    this.networkTopic = Topics.network(id);
    this.cloud = new ReferenceCloud(config.cloud(), config.seed(), System::nanoTime);
    String telemetryTopic = Topics.telemetry(id);
    this.telemetry =
        new DeviceTelemetry(
            CODEC,
            cloud,
            config.seed(),
            new DeviceTelemetry.Link() {
              @Override
              public boolean connected() {
                return connected && !closing;
              }

              @Override
              public CompletableFuture<Void> publish(byte[] payload) {
                return DeviceAgent.this
                    .publish(telemetryTopic, payload, false)
                    .thenApply(ignored -> null);
              }

              @Override
              public long networkBytes() {
                return networkBytes.get();
              }
            },
            Clock.systemUTC());
    this.ledgerStore = Objects.requireNonNull(ledgerStore, "ledgerStore");
    this.networkStore = Objects.requireNonNull(networkStore, "networkStore");
    this.network = networkStore.load().orElse(null);
    // Nothing runs on the serial executor before the constructor returns.
    for (LedgerEntry entry : ledgerStore.load().values()) {
      keepLedger(entry);
    }
    // The boot count lives in the status ledger, so it counts across restarts of the agent.
    LedgerEntry status0 = ledgers.get(STATUS_LEDGER);
    telemetry.startedBefore(
        status0 == null || status0.fromCloud() ? 0 : status0.data().path("bootCount").asLong(0));
    LedgerEntry config0 = ledgers.get(CONFIG_LEDGER);
    if (config0 != null && config0.fromCloud()) {
      cloud.applyConfig(config0.data());
    }
    writeStatus();
    Mqtt5ClientBuilder builder =
        Mqtt5Client.builder()
            .identifier(id)
            .serverHost(config.broker().host())
            .serverPort(config.broker().port())
            .executorConfig(runtime.mqttExecutors())
            .willPublish(
                Mqtt5Publish.builder()
                    .topic(presenceTopic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload(CODEC.encodePresence(Presence.offline()))
                    .build())
            // A connection the broker or the network ended (a broker restart, a session ended
            // after a credential rotation) is reconnected; one the agent ended itself is not.
            .addDisconnectedListener(
                context -> {
                  if (context.getSource() != MqttDisconnectSource.USER) {
                    serial.execute(this::lost);
                  }
                });
    builder = BrokerCredentials.apply(builder, config.username(), config.password());
    this.client = builder.buildAsync();
    this.inbound = inboundFilter.filter(new ProtocolInbound(), new Link());
    refreshSnapshot();
  }

  /** The device id. */
  public String deviceId() {
    return config.deviceId();
  }

  /** The device's state right now; safe to call from any thread. */
  public DeviceSnapshot snapshot() {
    return snapshot;
  }

  /**
   * Connects, subscribes to the device's cmd, data and call topics and publishes presence.
   * Completes when all of them are done.
   */
  public CompletableFuture<Void> connect() {
    return client
        .connectWith()
        .cleanStart(true)
        .keepAlive(60)
        .send()
        .thenCompose(
            connAck ->
                client
                    .subscribeWith()
                    .addSubscription()
                    .topicFilter(cmdTopic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .applySubscription()
                    .addSubscription()
                    .topicFilter(dataTopic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .applySubscription()
                    .addSubscription()
                    .topicFilter(callTopic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .applySubscription()
                    .callback(this::onPublish)
                    .executor(serial)
                    .send())
        .thenCompose(subAck -> onSerial(this::onConnected));
  }

  /**
   * Drops the connection the way a network failure would (the broker publishes the last will) and
   * reconnects after {@code reconnectAfter}.
   */
  public void dropConnection(Duration reconnectAfter) {
    serial.execute(() -> drop(reconnectAfter));
  }

  /** Events a device keeps while it is offline; beyond that the oldest are dropped. */
  public static final int MAX_BACKLOG = 100;

  /**
   * Publishes an event on the device's events topic (QoS 1). Completes when the broker took it, or
   * at once when the device is offline: it keeps the event (at most {@value #MAX_BACKLOG}, the
   * oldest dropped) with the time it was published and sends it on reconnect, as a backfill.
   */
  public CompletableFuture<Void> publishEvent(DeviceEvent event) {
    Objects.requireNonNull(event, "event");
    CompletableFuture<Void> done = new CompletableFuture<>();
    serial.execute(
        () -> {
          if (!connected || closing) {
            keep(event.publishedAt(java.time.Instant.now()));
            done.complete(null);
            return;
          }
          publish(eventsTopic, CODEC.encodeEvent(event), false)
              .whenComplete(
                  (result, error) -> {
                    if (error != null) {
                      done.completeExceptionally(error);
                    } else {
                      done.complete(null);
                    }
                  });
        });
    return done;
  }

  /** Events kept while offline, oldest first; confined to the serial executor. */
  private final java.util.ArrayDeque<DeviceEvent> backlog = new java.util.ArrayDeque<>();

  private void keep(DeviceEvent event) {
    if (backlog.size() == MAX_BACKLOG) {
      backlog.removeFirst();
    }
    backlog.addLast(event);
  }

  /** Events the device keeps to send on reconnect. */
  public CompletableFuture<Integer> backlogSize() {
    CompletableFuture<Integer> size = new CompletableFuture<>();
    serial.execute(() -> size.complete(backlog.size()));
    return size;
  }

  /**
   * Publishes a {@code temperature} event with the reference temperature every {@code every}, the
   * first after {@code firstAfter}; kept for later while offline, as every event.
   */
  public void publishTemperatureEvery(Duration every, Duration firstAfter) {
    runtime.schedule(
        () -> {
          if (closing) {
            return;
          }
          serial.execute(
              () ->
                  publishEvent(
                      DeviceEvent.of("temperature", Double.toString(cloud.temperatureNow()))));
          publishTemperatureEvery(every, every);
        },
        firstAfter.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Publishes the device's vitals now (QoS 1), if it is connected; the report after each start is
   * sent on connect by itself. Completes when the broker took them.
   */
  public CompletableFuture<Void> publishVitals() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    serial.execute(
        () ->
            telemetry
                .sendVitals()
                .whenComplete(
                    (result, error) -> {
                      if (error != null) {
                        done.completeExceptionally(error);
                      } else {
                        done.complete(null);
                      }
                    }));
    return done;
  }

  /** Publishes the vitals every {@code every}, the first after {@code firstAfter}. */
  public void publishVitalsEvery(Duration every, Duration firstAfter) {
    runtime.schedule(
        () -> {
          if (closing) {
            return;
          }
          serial.execute(telemetry::sendVitals);
          publishVitalsEvery(every, every);
        },
        firstAfter.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Writes a line to the device's log: sent at once on its telemetry topic while connected, kept
   * (the newest {@value DeviceTelemetry#MAX_KEPT_LINES}) and sent on reconnect otherwise.
   */
  public void log(dev.firmament.protocol.Telemetry.Level level, String message) {
    Objects.requireNonNull(level, "level");
    serial.execute(() -> telemetry.log(level, message));
  }

  /** How often the device has started: 1, and one more for each reboot, crash and new image. */
  public CompletableFuture<Long> bootCount() {
    CompletableFuture<Long> count = new CompletableFuture<>();
    serial.execute(() -> count.complete(telemetry.bootCount()));
    return count;
  }

  /** Publishes offline presence and disconnects cleanly. */
  public CompletableFuture<Void> disconnect() {
    return onSerial(() -> closing = true)
        .thenCompose(
            ignored ->
                client.getState().isConnected()
                    ? publish(presenceTopic, CODEC.encodePresence(Presence.offline()), true)
                        .handle((result, error) -> null)
                        .thenCompose(ignored2 -> client.disconnect())
                    : CompletableFuture.<Void>completedFuture(null))
        .handle(
            (result, error) -> {
              serial.execute(
                  () -> {
                    connected = false;
                    refreshSnapshot();
                  });
              return null;
            });
  }

  /** Disconnects, waiting up to five seconds. */
  @Override
  public void close() {
    try {
      disconnect().get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.debug("device {} did not disconnect cleanly: {}", deviceId(), e.getMessage());
    }
  }

  private static final DeviceCapabilities FULL_ONLY = DeviceCapabilities.of(ArtifactKind.FULL);
  private static final DeviceCapabilities WITH_PATCHES =
      DeviceCapabilities.of(ArtifactKind.FULL, ArtifactKind.DELTA, ArtifactKind.DELTA_CHAIN)
          .withDeltaFilters(DeltaApplier.FILTERS)
          .withDeltaCodecs(DeltaApplier.CODECS);

  /**
   * The online presence: the running version, what the device says about itself, and the artifact
   * kinds it installs (patches and chains of them only while it holds its running image; a device
   * with one slot, in-place patches for its layout).
   */
  private byte[] onlinePresence() {
    SlotLayout slot = installer.slotLayout();
    DeviceCapabilities capabilities =
        slot != null && slot.inPlace()
            ? DeviceCapabilities.of(ArtifactKind.DELTA_IN_PLACE).withSlot(slot)
            : canApplyDeltas() ? WITH_PATCHES : FULL_ONLY;
    if (config.https() != null) {
      capabilities = capabilities.withTransports(Transport.MQTT, Transport.HTTPS);
    }
    return CODEC.encodePresence(
        Presence.online(currentVersion, config.info(), config.cloud())
            .withCapabilities(capabilities));
  }

  // ---- connection ----

  private void onConnected() {
    connected = true;
    publish(presenceTopic, onlinePresence(), true);
    Download d = download;
    if (d != null) {
      if (d.state == DeviceState.DOWNLOADING) {
        // Tell the server where to resume; whatever it sent while we were away is lost.
        acknowledge(d);
      } else if (d.lastReport != null) {
        // The last report may not have made it out before the connection dropped.
        publishReport(d.lastReport);
      }
    }
    // What was kept while offline, in order, each with the time it was published.
    while (!backlog.isEmpty()) {
      publish(eventsTopic, CODEC.encodeEvent(backlog.removeFirst()), false);
    }
    telemetry.onConnected();
    syncLedgers();
    syncNetwork();
    refreshSnapshot();
  }

  private void drop(Duration reconnectAfter) {
    if (!connected || closing) {
      return;
    }
    connected = false;
    refreshSnapshot();
    log.info("device {} drops its connection for {} ms", deviceId(), reconnectAfter.toMillis());
    client
        .disconnectWith()
        .reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE)
        .send()
        .whenComplete(
            (ignored, error) ->
                runtime.schedule(
                    this::reconnect, reconnectAfter.toMillis(), TimeUnit.MILLISECONDS));
  }

  /** The connection ended without the agent asking: reconnect, as a real device does. */
  private void lost() {
    if (!connected || closing) {
      return;
    }
    connected = false;
    refreshSnapshot();
    log.info("device {} lost its connection, reconnecting", deviceId());
    runtime.schedule(this::reconnect, config.reconnectDelay().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void reconnect() {
    if (closing) {
      return;
    }
    connect()
        .whenComplete(
            (ignored, error) -> {
              if (error == null) {
                refusedReconnects.set(0);
              } else if (!closing) {
                // Refused (a rotated credential) or unreachable: back off, up to a minute.
                int refused = refusedReconnects.incrementAndGet();
                long delay =
                    Math.min(
                        MAX_RECONNECT_DELAY.toMillis(),
                        config.reconnectDelay().toMillis() << Math.min(refused - 1, 16));
                log.warn(
                    "device {} cannot reconnect, retrying in {} ms: {}",
                    deviceId(),
                    delay,
                    error.getMessage());
                runtime.schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
              }
            });
  }

  /** The longest wait between two reconnect attempts. */
  static final Duration MAX_RECONNECT_DELAY = Duration.ofMinutes(1);

  private final AtomicInteger refusedReconnects = new AtomicInteger();

  /**
   * Payload bytes sent and received since the agent started, as a modem counts its data (MQTT and
   * TCP framing left out); its vitals report it as the {@code net.bytes} diagnostic.
   */
  private final AtomicLong networkBytes = new AtomicLong();

  /** Payload bytes sent and received since the agent started (the {@code net.bytes} count). */
  public long networkBytes() {
    return networkBytes.get();
  }

  // ---- incoming ----

  private void onPublish(Mqtt5Publish publish) {
    if (closing) {
      return;
    }
    networkBytes.addAndGet(publish.getPayload().map(java.nio.ByteBuffer::remaining).orElse(0));
    String topic = publish.getTopic().toString();
    if (topic.equals(cmdTopic)) {
      inbound.command(publish.getPayloadAsBytes());
    } else if (topic.equals(dataTopic)) {
      ChunkFrame chunk;
      try {
        chunk = CODEC.decodeChunk(publish.getPayloadAsBytes());
      } catch (MalformedMessageException e) {
        log.warn("device {} ignores a malformed chunk frame: {}", deviceId(), e.getMessage());
        return;
      }
      inbound.chunk(chunk);
    } else if (topic.equals(callTopic)) {
      inbound.call(
          publish.getPayloadAsBytes(),
          publish.getResponseTopic().map(Object::toString).orElse(null),
          publish.getCorrelationData().map(DeviceAgent::bytes).orElse(null));
    }
  }

  private static byte[] bytes(java.nio.ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  /** The device's own handling of what arrives; each message ends with a fresh snapshot. */
  private final class ProtocolInbound implements Inbound {
    @Override
    public void command(byte[] payload) {
      onCommand(payload);
      refreshSnapshot();
    }

    @Override
    public void chunk(ChunkFrame chunk) {
      onChunk(chunk);
      refreshSnapshot();
    }

    @Override
    public void call(byte[] payload, String responseTopic, byte[] correlationData) {
      onCall(payload, responseTopic, correlationData);
    }
  }

  /** The agent's connection, as an {@link Inbound.Filter} sees it. */
  private final class Link implements DeviceLink {
    @Override
    public void drop(Duration reconnectAfter) {
      DeviceAgent.this.drop(reconnectAfter);
    }

    @Override
    public void runLater(Runnable task, long delayNanos) {
      runtime.schedule(() -> serial.execute(task), delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void onCommand(byte[] payload) {
    Command command;
    try {
      command = CODEC.decodeCommand(payload);
    } catch (MalformedMessageException e) {
      log.warn("device {} rejects a malformed command: {}", deviceId(), e.getMessage());
      publishReport(
          StatusReport.failure(
              e.updateId(),
              DeviceState.REJECTED,
              ErrorCode.BAD_OFFER,
              e.getMessage(),
              currentVersion));
      return;
    }
    switch (command) {
      case UpdateOffer offer -> onOffer(offer);
      case CancelUpdate cancel -> onCancel(cancel);
      case LedgerCopy copy -> onLedgerCopy(copy);
      case LedgerAck ack -> onLedgerAck(ack);
      case NetworkConfig networkConfig -> onNetworkConfig(networkConfig);
    }
  }

  /**
   * Runs a function call or a variable read and answers on its response topic, which must be one of
   * this device's reply topics; a call without one is run and not answered.
   */
  private void onCall(byte[] payload, String responseTopic, byte[] correlationData) {
    ReferenceCloud.Answer answer;
    try {
      answer = cloud.answer(CODEC.decodeCall(payload), currentVersion);
    } catch (MalformedMessageException e) {
      log.warn("device {} refuses a malformed call: {}", deviceId(), e.getMessage());
      answer =
          new ReferenceCloud.Answer(
              CloudReply.refused(CallError.MALFORMED, truncate(e.getMessage())),
              ReferenceCloud.After.NOTHING);
    }
    ReferenceCloud.After after = answer.after();
    if (!Topics.isReplyTopicOf(deviceId(), responseTopic)) {
      if (responseTopic != null) {
        log.warn("device {} does not answer on a foreign topic {}", deviceId(), responseTopic);
      }
      afterCall(after, CompletableFuture.completedFuture(null));
      return;
    }
    if (!connected) {
      return;
    }
    byte[] reply = CODEC.encodeReply(answer.reply());
    networkBytes.addAndGet(reply.length);
    CompletableFuture<?> sent =
        client
            .publishWith()
            .topic(responseTopic)
            .qos(MqttQos.AT_LEAST_ONCE)
            .correlationData(correlationData)
            .payload(reply)
            .send()
            .whenComplete(
                (result, error) -> {
                  if (error != null) {
                    log.debug("device {} cannot answer a call: {}", deviceId(), error.getMessage());
                  }
                });
    afterCall(after, sent);
  }

  /** A reboot asked for by a call happens once its answer is out (or could not go out). */
  private void afterCall(ReferenceCloud.After after, CompletableFuture<?> answered) {
    if (after == ReferenceCloud.After.REBOOT) {
      answered.handle(
          (result, error) -> {
            serial.execute(() -> restart(Telemetry.ResetReason.SOFTWARE));
            return null;
          });
    }
  }

  private static String truncate(String message) {
    return message == null || message.length() <= CloudReply.MAX_MESSAGE_LENGTH
        ? message
        : message.substring(0, CloudReply.MAX_MESSAGE_LENGTH);
  }

  private void onOffer(UpdateOffer offer) {
    Download d = download;
    if (d != null && d.offer.updateId().equals(offer.updateId())) {
      // The same offer again: say where we are instead of starting over.
      if (d.state == DeviceState.DOWNLOADING) {
        if (offer.download() != null && config.https() != null) {
          // A fresh link (after a stall, or because ours expired): fetch with it from here on.
          d.link = offer.download();
          fetch(d);
        }
        acknowledge(d);
      } else if (d.lastReport != null) {
        publishReport(d.lastReport);
      }
      return;
    }
    if (d != null && d.isInstalling()) {
      publishReport(
          StatusReport.failure(
              offer.updateId(),
              DeviceState.REJECTED,
              ErrorCode.BUSY,
              "installing update " + d.offer.updateId(),
              currentVersion));
      return;
    }
    if (d != null && d.state == DeviceState.DOWNLOADING) {
      finish(d, DeviceState.FAILED, ErrorCode.CANCELED, "replaced by update " + offer.updateId());
    }
    Download next = new Download(offer);
    download = next;
    OfferPolicy.Decision decision = policy.decide(offer, currentVersion, this::canApplyDeltas);
    if (decision.proceeds()) {
      accept(next);
      return;
    }
    if (decision.code() == ErrorCode.BAD_SIGNATURE) {
      log.warn("device {} rejects update {}: {}", deviceId(), offer.updateId(), decision.detail());
    }
    finish(next, decision.outcome(), decision.code(), decision.detail());
  }

  private boolean canApplyDeltas() {
    try {
      return installer.canApplyDeltas();
    } catch (InstallException e) {
      log.warn("device {} {}", deviceId(), e.getMessage());
      return false;
    }
  }

  private void accept(Download d) {
    if (d.offer.download() != null && config.https() == null) {
      finish(
          d,
          DeviceState.REJECTED,
          ErrorCode.UNSUPPORTED_ARTIFACT,
          "this device does not download over HTTPS");
      return;
    }
    try {
      installer.prepare(d.offer);
    } catch (InstallException e) {
      finish(d, e.state(), e.code(), e.getMessage());
      return;
    }
    int interval = d.offer.ackInterval();
    d.ackEvery = config.ackEvery() > 0 ? Math.min(config.ackEvery(), interval) : interval;
    d.state = DeviceState.DOWNLOADING;
    log.debug(
        "device {} accepts update {} ({} bytes)",
        deviceId(),
        d.offer.updateId(),
        d.offer.artifact().size());
    acknowledge(d);
    if (d.offer.download() != null) {
      d.link = d.offer.download();
      fetch(d);
    }
  }

  /**
   * Starts fetching the download's bytes over HTTPS from where it stands, unless a fetch of it is
   * running (it picks up the new link with its next request).
   */
  private void fetch(Download d) {
    if (d.fetching) {
      return;
    }
    d.fetching = true;
    HttpsFetch fetch =
        new HttpsFetch(
            deviceId(),
            runtime.http(config.https().caFile()),
            new HttpsFetch.Device() {
              @Override
              public HttpsFetch.Position position() {
                return onSerialGet(
                    () -> {
                      if (download != d || d.state != DeviceState.DOWNLOADING || closing) {
                        d.fetching = false;
                        return null;
                      }
                      return new HttpsFetch.Position(
                          d.link,
                          d.position,
                          d.offer.artifact().size(),
                          d.offer.artifact().chunkSize());
                    },
                    null);
              }

              @Override
              public boolean take(int arrived, long offset, byte[] bytes) {
                return onSerialGet(
                    () -> {
                      d.received += arrived;
                      return download == d
                          && !closing
                          && (bytes.length == 0 || DeviceAgent.this.take(d, offset, bytes));
                    },
                    false);
              }

              @Override
              public void linkExpired() {
                onSerialGet(
                    () -> {
                      d.fetching = false;
                      if (download == d && d.state == DeviceState.DOWNLOADING) {
                        d.chunksSinceAck = 0;
                        report(
                            d,
                            StatusReport.downloading(d.offer.updateId(), d.position, currentVersion)
                                .withLinkExpired());
                      }
                      return null;
                    },
                    null);
              }
            },
            config.faults(),
            Clock.systemUTC());
    Thread.ofVirtual().name("firmament-fetch-" + deviceId()).start(fetch);
  }

  private void onCancel(CancelUpdate cancel) {
    Download d = download;
    if (d == null || !d.offer.updateId().equals(cancel.updateId())) {
      return;
    }
    if (d.state == DeviceState.DOWNLOADING) {
      try {
        installer.discard();
      } catch (InstallException e) {
        log.warn("device {} {}", deviceId(), e.getMessage());
      }
      finish(d, DeviceState.FAILED, ErrorCode.CANCELED, "canceled by the server");
    } else if (d.state.isTerminal() && d.lastReport != null) {
      publishReport(d.lastReport);
    } else {
      log.info(
          "device {} ignores cancel of update {}: already {}",
          deviceId(),
          cancel.updateId(),
          d.state);
    }
  }

  private void onChunk(ChunkFrame chunk) {
    Download d = download;
    if (d == null
        || d.state != DeviceState.DOWNLOADING
        || !d.offer.updateId().equals(chunk.updateId())) {
      return;
    }
    d.received += chunk.payload().length;
    if (chunk.offset() < d.position) {
      return; // a duplicate after a resume
    }
    if (chunk.offset() > d.position) {
      // Bytes before this one were lost; ask once per position for a resend from there.
      if (d.gapAcknowledgedAt != d.position) {
        d.gapAcknowledgedAt = d.position;
        acknowledge(d);
      }
      return;
    }
    if (chunk.end() > d.offer.artifact().size()) {
      log.warn("device {} ignores a chunk past the artifact end: {}", deviceId(), chunk);
      return;
    }
    take(d, chunk.offset(), chunk.payload());
  }

  /**
   * Writes the next bytes of a download, at its position, acknowledging at its interval and
   * verifying after the last byte. Returns whether the download wants more.
   */
  private boolean take(Download d, long offset, byte[] bytes) {
    long size = d.offer.artifact().size();
    if (d.state != DeviceState.DOWNLOADING
        || offset != d.position
        || offset + bytes.length > size) {
      return false;
    }
    try {
      installer.write(d.offer, offset, bytes);
    } catch (InstallException e) {
      finish(d, e.state(), e.code(), e.getMessage());
      return false;
    }
    d.position = offset + bytes.length;
    d.chunksSinceAck++;
    if (d.position == size) {
      acknowledge(d);
      verify(d);
      return false;
    }
    if (d.chunksSinceAck >= d.ackEvery) {
      acknowledge(d);
    }
    return true;
  }

  // ---- verify, install, reboot ----

  private void verify(Download d) {
    report(d, StatusReport.of(d.offer.updateId(), DeviceState.VERIFYING, currentVersion));
    StagedImage image;
    try {
      image = installer.stage(d.offer);
    } catch (InstallException e) {
      finish(d, e.state(), e.code(), e.getMessage());
      return;
    }
    OfferPolicy.Decision signed = policy.checkImage(d.offer, image);
    if (!signed.proceeds()) {
      finish(d, signed.outcome(), signed.code(), signed.detail());
      return;
    }
    verifiedHashes++;
    report(d, StatusReport.of(d.offer.updateId(), DeviceState.INSTALLING, currentVersion));
    report(d, StatusReport.of(d.offer.updateId(), DeviceState.REBOOTING, currentVersion));
    runtime.schedule(
        () -> serial.execute(() -> boot(d)),
        config.rebootDelay().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void boot(Download d) {
    if (download != d || closing) {
      return;
    }
    SlotId previous;
    try {
      previous = installer.activate(d.offer.targetVersion());
    } catch (InstallException e) {
      finish(d, e.state(), e.code(), e.getMessage());
      return;
    } catch (PowerLoss e) {
      // The power went while a single slot was rewritten in place: the device starts again, and
      // its boot loader goes on with the apply from the journal before anything else runs.
      log.debug("device {} lost power while installing update {}", deviceId(), d.offer.updateId());
      powerLosses++;
      telemetry.restarted(Telemetry.ResetReason.POWER_ON);
      writeStatus();
      if (connected) {
        drop(config.rebootDelay());
      }
      runtime.schedule(
          () -> serial.execute(() -> boot(d)),
          config.rebootDelay().toMillis(),
          TimeUnit.MILLISECONDS);
      return;
    }
    currentVersion = d.offer.targetVersion();
    installs++;
    telemetry.restarted(Telemetry.ResetReason.UPDATE);
    writeStatus();
    publishPendingWrites();
    finish(d, DeviceState.SUCCEEDED, null, null);
    publish(presenceTopic, onlinePresence(), true);
    runtime.schedule(
        () -> serial.execute(() -> confirmBoot(d, previous)),
        config.rebootDelay().toMillis(),
        TimeUnit.MILLISECONDS);
    telemetry.onConnected();
    if (!config.faults().resetLoopEvery().isZero()) {
      crashEvery(config.faults().resetLoopEvery(), currentVersion);
    }
    refreshSnapshot();
  }

  /**
   * Restarts the device the way a reboot does: it drops its connection for its reboot delay (the
   * broker publishes its last will), starts again with its uptime from zero and reports why in its
   * first vitals.
   */
  private void restart(Telemetry.ResetReason reason) {
    telemetry.restarted(reason);
    writeStatus();
    drop(config.rebootDelay());
  }

  /**
   * The reset-loop fault: while it runs {@code version}, the device crashes every {@code every}.
   */
  private void crashEvery(Duration every, String version) {
    runtime.schedule(
        () ->
            serial.execute(
                () -> {
                  if (closing || !version.equals(currentVersion)) {
                    return;
                  }
                  telemetry.log(
                      Telemetry.Level.ERROR, "hard fault in version " + version + ", restarting");
                  if (connected) {
                    restart(Telemetry.ResetReason.PANIC);
                  } else {
                    telemetry.restarted(Telemetry.ResetReason.PANIC);
                    writeStatus();
                  }
                  crashEvery(every, version);
                }),
        every.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** The health check after a boot; a failed one has gone back to the previous slot. */
  private void confirmBoot(Download d, SlotId previous) {
    if (download != d || closing) {
      return;
    }
    try {
      installer.confirmBoot(previous);
    } catch (InstallException e) {
      if (e.state() != DeviceState.ROLLED_BACK) {
        log.warn("device {} {}", deviceId(), e.getMessage());
        return;
      }
      currentVersion = installer.runningVersion();
      finish(d, DeviceState.ROLLED_BACK, e.code(), e.getMessage());
      publish(presenceTopic, onlinePresence(), true);
      refreshSnapshot();
    }
  }

  // ---- outgoing ----

  private void acknowledge(Download d) {
    d.chunksSinceAck = 0;
    report(d, StatusReport.downloading(d.offer.updateId(), d.position, currentVersion));
  }

  private void finish(Download d, DeviceState state, ErrorCode code, String detail) {
    d.state = state;
    d.code = code;
    report(d, StatusReport.failure(d.offer.updateId(), state, code, detail, currentVersion));
  }

  private void report(Download d, StatusReport report) {
    // Every report of an update says how many of its bytes reached the device in this attempt.
    report = report.withReceived(d.received);
    d.state = report.state();
    d.lastReport = report;
    // Whoever reads the report must find the snapshot at least as new as the report.
    refreshSnapshot();
    publishReport(report);
  }

  private void publishReport(StatusReport report) {
    if (!connected) {
      return; // sent again on reconnect
    }
    publish(statusTopic, CODEC.encodeReport(report), false);
  }

  // ---- ledgers ----

  /** The cloud-to-device ledger whose {@code interval} sets the reporting interval. */
  public static final String CONFIG_LEDGER = "config";

  /** The device-to-cloud ledger the device writes at every boot. */
  public static final String STATUS_LEDGER = "status";

  /** A ledger's document as the device holds it now (a copy); safe to call from any thread. */
  public Optional<ObjectNode> ledger(String name) {
    LedgerEntry entry = ledgerView.get(name);
    return entry == null ? Optional.empty() : Optional.of(entry.data().deepCopy());
  }

  /** The version of a ledger the device holds, 0 when it holds none. */
  public long ledgerVersion(String name) {
    LedgerEntry entry = ledgerView.get(name);
    return entry == null ? 0 : entry.version();
  }

  /**
   * Calls {@code listener} on the agent's thread with a cloud-to-device ledger's new document each
   * time the device applies a newer copy, or with empty when the cloud removed it.
   */
  public void onLedgerChange(BiConsumer<String, Optional<ObjectNode>> listener) {
    ledgerListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Writes the whole document of one of the device's device-to-cloud ledgers: kept at once (in the
   * ledger store), sent now when connected and otherwise at the next connect, and resent at every
   * connect until the cloud acknowledges it. Completes with the write's version.
   *
   * @throws IllegalArgumentException if the name or the document breaks the ledger rules
   */
  public CompletableFuture<Long> writeLedger(String name, ObjectNode data) {
    LedgerDocuments.requireName("name", name);
    LedgerDocuments.requireData("data", data);
    ObjectNode document = data.deepCopy();
    CompletableFuture<Long> written = new CompletableFuture<>();
    serial.execute(
        () -> {
          try {
            LedgerEntry entry = writeOwn(name, document);
            if (connected && !closing) {
              publishWrite(entry);
            }
            written.complete(entry.version());
          } catch (RuntimeException e) {
            written.completeExceptionally(e);
          }
        });
    return written;
  }

  /** Writes the cloud has not acknowledged yet. */
  public CompletableFuture<Integer> pendingLedgerWrites() {
    CompletableFuture<Integer> pending = new CompletableFuture<>();
    serial.execute(
        () ->
            pending.complete((int) ledgers.values().stream().filter(LedgerEntry::pending).count()));
    return pending;
  }

  /**
   * The reporting interval in seconds, as {@code setInterval} or the {@code config} ledger set it.
   */
  public CompletableFuture<Integer> reportingInterval() {
    CompletableFuture<Integer> interval = new CompletableFuture<>();
    serial.execute(() -> interval.complete(cloud.interval()));
    return interval;
  }

  private LedgerEntry writeOwn(String name, ObjectNode data) {
    LedgerEntry previous = ledgers.get(name);
    if (previous != null && previous.fromCloud()) {
      throw new IllegalStateException(
          name + " is a cloud-to-device ledger: only the cloud writes it");
    }
    LedgerEntry entry =
        new LedgerEntry(
            name,
            false,
            previous == null ? 1 : previous.version() + 1,
            data,
            previous == null ? 0 : previous.acknowledged(),
            java.time.Instant.now());
    ledgerStore.save(entry);
    keepLedger(entry);
    return entry;
  }

  /** A boot: the {@code status} ledger's next document, sent with the next connect. */
  private void writeStatus() {
    LedgerEntry previous = ledgers.get(STATUS_LEDGER);
    if (previous != null && previous.fromCloud()) {
      return;
    }
    ObjectNode status = LedgerDocuments.empty();
    status.put("bootCount", telemetry.bootCount());
    status.put("version", currentVersion);
    status.put("bootedAt", java.time.Instant.now().toString());
    writeOwn(STATUS_LEDGER, status);
  }

  private void keepLedger(LedgerEntry entry) {
    ledgers.put(entry.name(), entry);
    ledgerView.put(entry.name(), entry);
  }

  private void forgetLedger(String name) {
    ledgers.remove(name);
    ledgerView.remove(name);
  }

  /** On connect: what the device holds, and its writes the cloud has not acknowledged. */
  private void syncLedgers() {
    Map<String, Long> copies = new TreeMap<>();
    Map<String, Long> writes = new TreeMap<>();
    for (LedgerEntry entry : ledgers.values()) {
      (entry.fromCloud() ? copies : writes).put(entry.name(), entry.version());
    }
    publish(ledgerTopic, CODEC.encodeLedger(new LedgerSync(copies, writes)), false);
    publishPendingWrites();
  }

  private void publishPendingWrites() {
    if (!connected) {
      return;
    }
    ledgers.values().stream()
        .filter(LedgerEntry::pending)
        .sorted(java.util.Comparator.comparing(LedgerEntry::name))
        .forEach(this::publishWrite);
  }

  private void publishWrite(LedgerEntry entry) {
    publish(
        ledgerTopic,
        CODEC.encodeLedger(
            new LedgerWrite(entry.name(), entry.version(), entry.data(), entry.writtenAt())),
        false);
  }

  /** A copy from the cloud: applied only when newer than the one held. */
  private void onLedgerCopy(LedgerCopy copy) {
    LedgerEntry held = ledgers.get(copy.name());
    if (held != null && !held.fromCloud()) {
      log.warn("device {} ignores a cloud copy of its own ledger {}", deviceId(), copy.name());
      return;
    }
    if (held != null && held.version() >= copy.version()) {
      return; // late or repeated
    }
    if (copy.isRemoval()) {
      if (held == null) {
        return;
      }
      ledgerStore.remove(copy.name());
      forgetLedger(copy.name());
      log.info("device {} drops ledger {}", deviceId(), copy.name());
      tellLedgerListeners(copy.name(), Optional.empty());
      return;
    }
    LedgerEntry entry = new LedgerEntry(copy.name(), true, copy.version(), copy.data(), 0, null);
    ledgerStore.save(entry);
    keepLedger(entry);
    if (CONFIG_LEDGER.equals(copy.name()) && cloud.applyConfig(copy.data())) {
      log.info(
          "device {} reports every {} s, as its config ledger says", deviceId(), cloud.interval());
    }
    tellLedgerListeners(copy.name(), Optional.of(copy.data().deepCopy()));
  }

  /** The cloud holds {@code ack.version()} of one of the device's own ledgers. */
  private void onLedgerAck(LedgerAck ack) {
    LedgerEntry held = ledgers.get(ack.name());
    if (held == null || held.fromCloud()) {
      return;
    }
    LedgerEntry updated;
    if (ack.refused() != null) {
      // The organization takes no such ledger (nobody defined it): stop resending this write. A
      // state of the organization's setup, not a fault of the device: said at INFO.
      log.info("device {} ledger {} refused: {}", deviceId(), ack.name(), ack.refused());
      updated =
          new LedgerEntry(
              held.name(), false, held.version(), held.data(), held.version(), held.writtenAt());
    } else if (ack.version() > held.version()) {
      // The cloud holds more than this device remembers (its state was lost): number the next
      // write after the cloud's, and send the current document as that write.
      updated =
          new LedgerEntry(
              held.name(), false, ack.version() + 1, held.data(), ack.version(), held.writtenAt());
    } else if (ack.version() > held.acknowledged()) {
      updated =
          new LedgerEntry(
              held.name(), false, held.version(), held.data(), ack.version(), held.writtenAt());
    } else {
      return;
    }
    ledgerStore.save(updated);
    keepLedger(updated);
    if (ack.refused() == null && ack.version() > held.version() && connected) {
      publishWrite(updated);
    }
  }

  private void tellLedgerListeners(String name, Optional<ObjectNode> data) {
    for (BiConsumer<String, Optional<ObjectNode>> listener : ledgerListeners) {
      try {
        listener.accept(name, data);
      } catch (RuntimeException e) {
        log.warn("device {} ledger listener failed: {}", deviceId(), e.toString());
      }
    }
  }

  // ---- network ----

  /** The network configuration the device holds and applied; safe to call from any thread. */
  public Optional<NetworkConfig> network() {
    return Optional.ofNullable(network);
  }

  /**
   * Sets what decides whether the device can apply a network configuration: a reason to reject it
   * (at most {@value NetworkAck#MAX_REASON_LENGTH} characters are sent), or null to apply it.
   * Called on the agent's thread. By default every configuration within the protocol's rules is
   * applied.
   */
  public void setNetworkCheck(Function<NetworkConfig, String> check) {
    this.networkCheck = Objects.requireNonNull(check, "check");
  }

  /** On connect: which configuration the device holds, so the cloud sends what it lacks. */
  private void syncNetwork() {
    NetworkConfig held = network;
    publish(
        networkTopic,
        CODEC.encodeNetwork(
            held == null
                ? NetworkSync.none()
                : new NetworkSync(held.network(), held.version(), held.role())),
        false);
  }

  /**
   * A configuration or a removal from the cloud. A configuration of another network than the one
   * held, at a higher version, or in another role is checked, then applied and kept, or rejected;
   * either way the answer is sent. The one held, again, is answered as applied again (its first
   * answer may have been lost); an older one of the same network is late, and ignored.
   */
  private void onNetworkConfig(NetworkConfig config) {
    NetworkConfig held = network;
    boolean sameNetwork = held != null && held.network().equals(config.network());
    if (config.isRemoval()) {
      if (sameNetwork) {
        networkStore.clear();
        network = null;
        log.info("device {} leaves network {}", deviceId(), config.network());
      }
      return;
    }
    if (sameNetwork && config.version() < held.version()) {
      return; // late
    }
    if (sameNetwork && config.version() == held.version() && config.role().equals(held.role())) {
      answer(NetworkAck.applied(config.network(), config.version()));
      return;
    }
    String reason;
    try {
      reason = networkCheck.apply(config);
    } catch (RuntimeException e) {
      reason = "the device's check failed: " + e;
    }
    if (reason != null) {
      String why = reason.isBlank() ? "rejected" : reason.strip();
      if (why.length() > NetworkAck.MAX_REASON_LENGTH) {
        why = why.substring(0, NetworkAck.MAX_REASON_LENGTH);
      }
      log.info(
          "device {} rejects version {} of network {}: {}",
          deviceId(),
          config.version(),
          config.network(),
          why);
      answer(NetworkAck.rejected(config.network(), config.version(), why));
      return;
    }
    networkStore.save(config);
    network = config;
    log.info(
        "device {} applies version {} of {} network {} as {}",
        deviceId(),
        config.version(),
        config.kind(),
        config.network(),
        config.role());
    answer(NetworkAck.applied(config.network(), config.version()));
  }

  private void answer(NetworkAck ack) {
    if (connected && !closing) {
      publish(networkTopic, CODEC.encodeNetwork(ack), false);
    }
  }

  private CompletableFuture<?> publish(String topic, byte[] payload, boolean retain) {
    networkBytes.addAndGet(payload.length);
    return client
        .publishWith()
        .topic(topic)
        .qos(MqttQos.AT_LEAST_ONCE)
        .retain(retain)
        .payload(payload)
        .send()
        .whenComplete(
            (result, error) -> {
              if (error != null) {
                log.debug(
                    "device {} cannot publish to {}: {}", deviceId(), topic, error.getMessage());
              }
            });
  }

  /**
   * Runs {@code task} on the agent's serial executor and waits for its value, for the threads of
   * the agent's own downloads (never for the serial executor itself). Returns {@code ifGone} when
   * the task fails, or when the agent or its runtime closed meanwhile (a closed runtime drops the
   * task), so that a download's thread ends instead of waiting for ever.
   */
  private <T> T onSerialGet(Supplier<T> task, T ifGone) {
    CompletableFuture<T> value = onSerialValue(task);
    while (true) {
      try {
        return value.get(1, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        if (closing || runtime.isClosed()) {
          return ifGone;
        }
      } catch (ExecutionException e) {
        return ifGone;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ifGone;
      }
    }
  }

  private <T> CompletableFuture<T> onSerialValue(Supplier<T> task) {
    CompletableFuture<T> done = new CompletableFuture<>();
    serial.execute(
        () -> {
          try {
            done.complete(task.get());
          } catch (RuntimeException e) {
            done.completeExceptionally(e);
          }
        });
    return done;
  }

  private CompletableFuture<Void> onSerial(Runnable task) {
    return onSerialValue(
        () -> {
          task.run();
          return null;
        });
  }

  private void refreshSnapshot() {
    Download d = download;
    snapshot =
        new DeviceSnapshot(
            deviceId(),
            currentVersion,
            installer.activeSlot(),
            connected,
            d == null ? null : d.offer.updateId(),
            d == null ? null : d.state,
            d == null ? null : d.code,
            d == null ? 0 : d.position,
            verifiedHashes,
            installs,
            config.faults(),
            powerLosses);
  }

  /** The device's work on one offer. */
  private static final class Download {
    final UpdateOffer offer;
    DeviceState state;
    ErrorCode code;
    StatusReport lastReport;
    long position;
    int chunksSinceAck;
    int ackEvery = 1;
    long gapAcknowledgedAt = -1;
    long received;
    DownloadLink link;
    boolean fetching;

    Download(UpdateOffer offer) {
      this.offer = offer;
    }

    boolean isInstalling() {
      return state == DeviceState.VERIFYING
          || state == DeviceState.INSTALLING
          || state == DeviceState.REBOOTING;
    }
  }
}
