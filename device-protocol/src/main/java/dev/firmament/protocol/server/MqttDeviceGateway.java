package dev.firmament.protocol.server;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import dev.firmament.protocol.BrokerCredentials;
import dev.firmament.protocol.BrokerTls;
import dev.firmament.protocol.CancelUpdate;
import dev.firmament.protocol.Command;
import dev.firmament.protocol.DeviceEvent;
import dev.firmament.protocol.LedgerAck;
import dev.firmament.protocol.LedgerCopy;
import dev.firmament.protocol.LedgerMessage;
import dev.firmament.protocol.LedgerWrite;
import dev.firmament.protocol.MalformedMessageException;
import dev.firmament.protocol.MqttShutdownErrors;
import dev.firmament.protocol.NetworkConfig;
import dev.firmament.protocol.NetworkMessage;
import dev.firmament.protocol.Presence;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.Telemetry;
import dev.firmament.protocol.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DeviceGateway} over one MQTT 5 connection per worker process (HiveMQ async client).
 *
 * <h2>Threads</h2>
 *
 * All delivery state lives on one event-loop thread: MQTT callbacks, offers, cancels and the stall
 * timer are tasks on it, so no state is shared and nothing blocks. Publishing is asynchronous.
 * Listeners run on a second thread so that a slow listener cannot stall transfers.
 *
 * <h2>Subscriptions</h2>
 *
 * The gateway joins the shared subscriptions {@code $share/firmament-workers/fw/+/status} and
 * {@code .../presence}, so several workers split the fleet's reports. Flow control needs the
 * acknowledgements of a device at the worker that pushes its bytes, so for each delivery the
 * gateway also subscribes to that device's status topic directly (see {@link
 * GatewayOptions#directStatusSubscriptions()}). A worker that is in the shared group and delivering
 * then receives each report twice; exact copies are recognised and dropped. A gateway that is the
 * broker's only worker may subscribe plainly ({@code fw/+/status} and so on) instead of joining the
 * group ({@link GatewayOptions#sharedSubscriptions()}).
 *
 * <h2>Flow control</h2>
 *
 * After the device accepts (its first {@code DOWNLOADING} report), the gateway keeps up to {@code
 * window} chunks in flight, as QoS 0 frames. The protocol's acknowledgements make the transfer
 * reliable, and QoS 1 would let the broker's receive maximum throttle the whole worker. An
 * acknowledgement above the last one moves the window. An acknowledgement at or below it means the
 * device is missing bytes from that offset (it reconnected, or saw a gap), and the gateway goes
 * back to that offset, once per offset. A delivery sends only while it holds a reservation of its
 * whole window from the worker's byte budget; others wait in FIFO order. If a delivery stays quiet
 * for the stall timeout, the gateway re-offers it: the device answers with its position or repeats
 * its last report. Transfers never restart from zero unless the device says so.
 *
 * <h2>Parts</h2>
 *
 * This class is the MQTT wiring: the connection, the subscriptions, the event loop and the listener
 * thread. The rules run without a broker in {@link Deliveries}, which sends through an outbox that
 * this class implements, and in the small classes it applies: {@link GatewaySession} (one device's
 * delivery), {@link ReportFilter} (which reports count and which listeners see), {@link
 * TransferWindow} (the window and what an acknowledgement does to it), {@link ByteBudget} (the
 * worker's byte budget and its queue) and {@link StallSweeper} (which deliveries went quiet).
 */
public final class MqttDeviceGateway implements DeviceGateway {

  private static final Logger log = LoggerFactory.getLogger(MqttDeviceGateway.class);

  private static final long SWEEP_MILLIS = 250;

  private static final long SESSION_EXPIRY_SECONDS = 300;

  private final GatewayOptions options;
  private final Mqtt5AsyncClient client;
  private final ProtocolCodec codec = new ProtocolCodec();
  private final ScheduledExecutorService loop;
  private final ExecutorService events;
  private final List<Consumer<DeviceReport>> reportListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<PresenceEvent>> presenceListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<DeviceEventReport>> eventListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<DeviceTelemetryReport>> telemetryListeners =
      new CopyOnWriteArrayList<>();
  private final List<Consumer<DeviceLedgerReport>> ledgerListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<DeviceNetworkReport>> networkListeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch finalDisconnect = new CountDownLatch(1);

  // Event-loop state.
  private final Deliveries deliveries;
  private boolean connectedBefore;
  private long disconnectedAtNanos;

  /** The reading of the broker's retained presence under way, or null; on the loop. */
  private PresenceSnapshot snapshot;

  private MqttDeviceGateway(GatewayOptions options) {
    this.options = options;
    this.deliveries = new Deliveries(options, new MqttOutbox(), System::nanoTime);
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("firmament-gateway-loop").daemon().factory());
    this.events =
        Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("firmament-gateway-events").daemon().factory());
    Mqtt5ClientBuilder builder =
        clientBuilder(options, options.clientId())
            .automaticReconnectWithDefaultConfig()
            .addConnectedListener(
                context -> {
                  boolean sessionPresent =
                      context instanceof Mqtt5ClientConnectedContext mqtt5
                          && mqtt5.getConnAck().isSessionPresent();
                  inbound(() -> onConnected(sessionPresent));
                })
            .addDisconnectedListener(
                context -> {
                  if (closed.get()) {
                    finalDisconnect.countDown();
                  }
                  inbound(this::onDisconnected);
                });
    this.client = builder.buildAsync();
    client.publishes(MqttGlobalPublishFilter.ALL, this::onPublish, this::inbound);
  }

  /** A client of the gateway's broker, with its TLS and credentials. */
  private static Mqtt5ClientBuilder clientBuilder(GatewayOptions options, String clientId) {
    Mqtt5ClientBuilder builder =
        Mqtt5Client.builder()
            .identifier(clientId)
            .serverHost(options.broker().host())
            .serverPort(options.broker().port());
    builder = BrokerTls.apply(builder, options.tls(), options.tlsCaFile());
    return BrokerCredentials.apply(builder, options.username(), options.password());
  }

  /**
   * Hands work from MQTT client threads to the event loop. Messages that arrive while the gateway
   * closes have nothing left to do, so once closed they are dropped instead of being rejected back
   * into the client (where they would surface as undeliverable errors).
   */
  private void inbound(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      if (!closed.get()) {
        throw e;
      }
    }
  }

  /**
   * Connects to the broker, joins the shared subscriptions and returns a ready gateway. Blocks
   * until then, at most {@link GatewayOptions#connectTimeout()}.
   *
   * @throws IllegalStateException if the broker cannot be reached or refuses the subscriptions
   */
  public static MqttDeviceGateway connect(GatewayOptions options) {
    MqttShutdownErrors.install();
    MqttDeviceGateway gateway = new MqttDeviceGateway(Objects.requireNonNull(options, "options"));
    long timeout = options.connectTimeout().toMillis();
    try {
      // The session outlives short connection losses, so subscriptions and QoS 1 messages in
      // flight survive them; close() ends it.
      gateway
          .client
          .connectWith()
          .cleanStart(true)
          .sessionExpiryInterval(SESSION_EXPIRY_SECONDS)
          // One gateway receives the reports of thousands of devices: let the broker keep as
          // many QoS 1 messages in flight to it as MQTT allows, rather than queueing them.
          .restrictions()
          .receiveMaximum(65_535)
          .applyRestrictions()
          .send()
          .get(timeout, TimeUnit.MILLISECONDS);
      gateway.subscribeWorkers().get(timeout, TimeUnit.MILLISECONDS);
      gateway.inbound(gateway::readRetainedPresence);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      gateway.close();
      throw new IllegalStateException("interrupted while connecting to " + options.broker(), e);
    } catch (ExecutionException | TimeoutException e) {
      gateway.close();
      throw new IllegalStateException(
          "cannot connect the device gateway to " + options.broker() + ": " + e.getMessage(), e);
    }
    gateway.loop.scheduleWithFixedDelay(
        gateway::sweepStalls, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    log.info("device gateway {} connected to {}", options.clientId(), options.broker());
    return gateway;
  }

  @Override
  public void offer(Delivery delivery) {
    Objects.requireNonNull(delivery, "delivery");
    ensureOpen();
    loop.execute(() -> deliveries.offer(delivery));
  }

  @Override
  public void cancel(String deviceId, String updateId) {
    String topic = Topics.cmd(deviceId);
    byte[] payload = codec.encodeCommand(new CancelUpdate(updateId));
    ensureOpen();
    loop.execute(() -> deliveries.cancel(deviceId, updateId, topic, payload));
  }

  @Override
  public void onReport(Consumer<DeviceReport> listener) {
    reportListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void onPresence(Consumer<PresenceEvent> listener) {
    presenceListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void onEvent(Consumer<DeviceEventReport> listener) {
    eventListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void onTelemetry(Consumer<DeviceTelemetryReport> listener) {
    telemetryListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void onLedger(Consumer<DeviceLedgerReport> listener) {
    ledgerListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void sendLedger(String deviceId, Command message) {
    if (!(message instanceof LedgerCopy) && !(message instanceof LedgerAck)) {
      throw new IllegalArgumentException("not a ledger message: " + message);
    }
    String topic = Topics.cmd(deviceId);
    byte[] payload = codec.encodeCommand(message);
    ensureOpen();
    publish(topic, payload, "ledger");
    deliveries.meter().ledger(deviceId, payload.length, message instanceof LedgerCopy);
  }

  @Override
  public void onNetwork(Consumer<DeviceNetworkReport> listener) {
    networkListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void sendNetwork(String deviceId, NetworkConfig config) {
    Objects.requireNonNull(config, "config");
    String topic = Topics.cmd(deviceId);
    byte[] payload = codec.encodeCommand(config);
    ensureOpen();
    publish(topic, payload, "network");
  }

  @Override
  public Map<String, String> openUpdates() {
    if (closed.get()) {
      return Map.of();
    }
    try {
      return loop.submit(deliveries::openUpdates).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of();
    } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
      throw new IllegalStateException("the gateway's open updates cannot be listed", e);
    }
  }

  @Override
  public GatewayStats stats() {
    return deliveries.stats();
  }

  @Override
  public boolean connected() {
    return client.getState().isConnected();
  }

  @Override
  public Map<String, DeviceUsage> drainUsage() {
    return deliveries.meter().drain();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      loop.submit(
              () -> {
                deliveries.logUnfinished();
                if (snapshot != null) {
                  endPresenceReading(snapshot);
                }
              })
          .get(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.debug("cannot list unfinished deliveries: {}", e.getMessage());
    }
    // Order matters: disconnect the client and wait until it says so, and only then stop the
    // executors its callbacks run on.
    try {
      if (client.getState().isConnectedOrReconnect()) {
        client.disconnectWith().sessionExpiryInterval(0).send().get(5, TimeUnit.SECONDS);
        finalDisconnect.await(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("device gateway disconnect: {}", e.getMessage());
    }
    loop.shutdownNow();
    events.shutdown();
    try {
      events.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("device gateway {} closed ({})", options.clientId(), stats());
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("device gateway is closed");
    }
  }

  // ---- event loop: incoming messages ----

  private void onPublish(Mqtt5Publish publish) {
    try {
      String topic = publish.getTopic().toString();
      if (topic.endsWith("/" + Topics.Kind.STATUS.segment())) {
        onStatus(topic, publish.getPayloadAsBytes());
      } else if (topic.endsWith("/" + Topics.Kind.PRESENCE.segment())) {
        onPresence(topic, publish.getPayloadAsBytes(), null);
      } else if (topic.endsWith("/" + Topics.Kind.EVENTS.segment())) {
        onEvent(topic, publish.getPayloadAsBytes());
      } else if (topic.endsWith("/" + Topics.Kind.TELEMETRY.segment())) {
        onTelemetry(topic, publish.getPayloadAsBytes());
      } else if (topic.endsWith("/" + Topics.Kind.LEDGER.segment())) {
        onLedger(topic, publish.getPayloadAsBytes());
      } else if (topic.endsWith("/" + Topics.Kind.NETWORK.segment())) {
        onNetwork(topic, publish.getPayloadAsBytes());
      } else {
        log.debug("ignoring message on {}", topic);
      }
    } catch (RuntimeException e) {
      // Never let one bad message break the connection or the loop.
      log.error("error handling message on {}", publish.getTopic(), e);
    }
  }

  private void onStatus(String topic, byte[] payload) {
    String deviceId = Topics.deviceId(topic, Topics.Kind.STATUS).orElse(null);
    if (deviceId == null) {
      log.warn("dropping status report on unexpected topic {}", topic);
      return;
    }
    StatusReport report;
    try {
      report = codec.decodeReport(payload);
    } catch (MalformedMessageException e) {
      log.warn("dropping malformed status report from device {}: {}", deviceId, e.getMessage());
      return;
    }
    deliveries.report(deviceId, report, payload);
  }

  private void onPresence(String topic, byte[] payload, Instant retainedAsOf) {
    String deviceId = Topics.deviceId(topic, Topics.Kind.PRESENCE).orElse(null);
    if (deviceId == null) {
      log.warn("dropping presence on unexpected topic {}", topic);
      return;
    }
    Presence presence;
    try {
      presence = codec.decodePresence(payload);
    } catch (MalformedMessageException e) {
      log.warn("dropping malformed presence from device {}: {}", deviceId, e.getMessage());
      return;
    }
    emit(presenceListeners, new PresenceEvent(deviceId, presence, retainedAsOf));
  }

  private void onEvent(String topic, byte[] payload) {
    String deviceId = Topics.deviceId(topic, Topics.Kind.EVENTS).orElse(null);
    if (deviceId == null) {
      log.warn("dropping event on unexpected topic {}", topic);
      return;
    }
    DeviceEvent event;
    try {
      event = codec.decodeEvent(payload);
    } catch (MalformedMessageException e) {
      log.warn("dropping malformed event from device {}: {}", deviceId, e.getMessage());
      return;
    }
    emit(eventListeners, new DeviceEventReport(deviceId, event, Instant.now()));
  }

  private void onTelemetry(String topic, byte[] payload) {
    String deviceId = Topics.deviceId(topic, Topics.Kind.TELEMETRY).orElse(null);
    if (deviceId == null) {
      log.warn("dropping telemetry on unexpected topic {}", topic);
      return;
    }
    Telemetry telemetry;
    try {
      telemetry = codec.decodeTelemetry(payload);
    } catch (MalformedMessageException e) {
      log.warn("dropping malformed telemetry from device {}: {}", deviceId, e.getMessage());
      return;
    }
    emit(telemetryListeners, new DeviceTelemetryReport(deviceId, telemetry, Instant.now()));
  }

  private void onLedger(String topic, byte[] payload) {
    String deviceId = Topics.deviceId(topic, Topics.Kind.LEDGER).orElse(null);
    if (deviceId == null) {
      log.warn("dropping ledger message on unexpected topic {}", topic);
      return;
    }
    LedgerMessage message;
    try {
      message = codec.decodeLedger(payload);
    } catch (MalformedMessageException e) {
      log.warn("dropping malformed ledger message from device {}: {}", deviceId, e.getMessage());
      return;
    }
    deliveries.meter().ledger(deviceId, payload.length, message instanceof LedgerWrite);
    emit(ledgerListeners, new DeviceLedgerReport(deviceId, message, Instant.now()));
  }

  private void onNetwork(String topic, byte[] payload) {
    String deviceId = Topics.deviceId(topic, Topics.Kind.NETWORK).orElse(null);
    if (deviceId == null) {
      log.warn("dropping network message on unexpected topic {}", topic);
      return;
    }
    NetworkMessage message;
    try {
      message = codec.decodeNetwork(payload);
    } catch (MalformedMessageException e) {
      log.warn("dropping malformed network message from device {}: {}", deviceId, e.getMessage());
      return;
    }
    emit(networkListeners, new DeviceNetworkReport(deviceId, message, Instant.now()));
  }

  /**
   * A reading of every device's presence as the broker kept it (each device publishes its presence
   * retained, its last will included): what devices said while no gateway listened, which the
   * shared subscription never hands out. Started on the loop when the gateway joins the broker
   * without a session (its first connect, a broker restart), by a client of its own that subscribes
   * to {@code fw/+/presence} and passes on only the retained messages (the live ones come through
   * the shared subscription); it disconnects once no retained presence came for {@link
   * #SNAPSHOT_QUIET_MILLIS}, or after ten minutes.
   */
  private static final class PresenceSnapshot {
    private final Instant asOf;
    private final long startedNanos;
    private final Mqtt5AsyncClient reader;
    private long lastNanos;
    private int received;
    private boolean subscribed;

    PresenceSnapshot(Instant asOf, long nowNanos, Mqtt5AsyncClient reader) {
      this.asOf = asOf;
      this.startedNanos = nowNanos;
      this.lastNanos = nowNanos;
      this.reader = reader;
    }

    /**
     * Whether the reading is over: nothing retained came for the quiet interval since the broker
     * acknowledged the subscription (a slow connect does not count), or ten minutes passed.
     */
    boolean quiet(long nowNanos) {
      return (subscribed
              && nowNanos - lastNanos > TimeUnit.MILLISECONDS.toNanos(SNAPSHOT_QUIET_MILLIS))
          || nowNanos - startedNanos > TimeUnit.MINUTES.toNanos(10);
    }
  }

  static final long SNAPSHOT_QUIET_MILLIS = 2_000;

  /** Starts reading the broker's retained presence (on the loop). */
  private void readRetainedPresence() {
    if (snapshot != null || closed.get()) {
      return;
    }
    Mqtt5AsyncClient reader = clientBuilder(options, options.clientId() + "-presence").buildAsync();
    PresenceSnapshot reading = new PresenceSnapshot(Instant.now(), System.nanoTime(), reader);
    snapshot = reading;
    reader.publishes(
        MqttGlobalPublishFilter.ALL,
        publish -> {
          if (publish.isRetain()) {
            String topic = publish.getTopic().toString();
            byte[] payload = publish.getPayloadAsBytes();
            inbound(
                () -> {
                  if (snapshot == reading) {
                    reading.lastNanos = System.nanoTime();
                    reading.received++;
                    onPresence(topic, payload, reading.asOf);
                  }
                });
          }
        });
    reader
        .connectWith()
        .cleanStart(true)
        .send()
        .thenCompose(
            ack ->
                reader
                    .subscribeWith()
                    .topicFilter(Topics.filter(Topics.Kind.PRESENCE))
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send())
        .whenComplete(
            (ack, error) -> {
              if (error != null) {
                log.warn("cannot read the devices' retained presence: {}", error.toString());
                inbound(() -> endPresenceReading(reading));
              } else {
                inbound(
                    () -> {
                      reading.subscribed = true;
                      reading.lastNanos = Math.max(reading.lastNanos, System.nanoTime());
                    });
              }
            });
  }

  /** Ends the presence reading once it went quiet (on the loop, from the sweep). */
  private void endQuietPresenceReading() {
    if (snapshot != null && snapshot.quiet(System.nanoTime())) {
      log.info("retained presence read devices={}", snapshot.received);
      endPresenceReading(snapshot);
    }
  }

  private void endPresenceReading(PresenceSnapshot reading) {
    if (snapshot == reading) {
      snapshot = null;
    }
    reading
        .reader
        .disconnect()
        .whenComplete(
            (done, error) -> {
              if (error != null) {
                log.debug("presence reader disconnect: {}", error.toString());
              }
            });
  }

  private void sweepStalls() {
    try {
      endQuietPresenceReading();
      deliveries.sweepStalls();
    } catch (RuntimeException e) {
      log.error("stall sweep failed", e);
    }
  }

  /**
   * Subscribes to every device's messages of each kind the workers hear: through the worker group's
   * shared subscriptions, or plainly when this gateway is the broker's one worker ({@link
   * GatewayOptions#sharedSubscriptions()}).
   */
  private CompletableFuture<?> subscribeWorkers() {
    List<Mqtt5Subscription> subscriptions =
        Stream.of(
                Topics.Kind.STATUS,
                Topics.Kind.PRESENCE,
                Topics.Kind.EVENTS,
                Topics.Kind.TELEMETRY,
                Topics.Kind.LEDGER,
                Topics.Kind.NETWORK)
            .map(
                kind ->
                    options.sharedSubscriptions()
                        ? Mqtt5Subscription.builder()
                            .topicFilter(Topics.sharedFilter(kind))
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .build()
                        // As a shared subscription is, a plain one is handed no retained message
                        // when it subscribes: the retained presences are read once, as such
                        // (readRetainedPresence), never taken for live ones.
                        : Mqtt5Subscription.builder()
                            .topicFilter(Topics.filter(kind))
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .retainHandling(Mqtt5RetainHandling.DO_NOT_SEND)
                            .build())
            .toList();
    return client.subscribe(Mqtt5Subscribe.builder().addSubscriptions(subscriptions).build());
  }

  private void onDisconnected() {
    disconnectedAtNanos = System.nanoTime();
  }

  private void onConnected(boolean sessionPresent) {
    if (!connectedBefore) {
      connectedBefore = true;
      return;
    }
    if (sessionPresent) {
      log.info("device gateway reconnected to its session");
      return;
    }
    // The broker lost the session (it restarted, or the outage outlasted the expiry): subscriptions
    // are gone and whatever was in flight is lost. The client keeps its message handler through an
    // automatic reconnect, unless its own copy of the session expired during the outage too.
    long outageNanos = System.nanoTime() - disconnectedAtNanos;
    log.warn(
        "device gateway reconnected without its session after {} ms; resuming {} transfers",
        outageNanos / 1_000_000,
        deliveries.openCount());
    if (outageNanos >= TimeUnit.SECONDS.toNanos(SESSION_EXPIRY_SECONDS)) {
      client.publishes(MqttGlobalPublishFilter.ALL, this::onPublish, this::inbound);
    }
    subscribeWorkers()
        .whenComplete(
            (ack, error) -> {
              if (error != null) {
                log.error("cannot subscribe again after reconnecting", error);
              }
            });
    // What devices said while the broker was away from this gateway came as retained presence.
    if (snapshot != null) {
      endPresenceReading(snapshot);
    }
    readRetainedPresence();
    deliveries.resumeAll();
  }

  // ---- helpers ----

  private void publish(String topic, byte[] payload, String what) {
    publish(topic, payload, MqttQos.AT_LEAST_ONCE, what);
  }

  private void publish(String topic, byte[] payload, MqttQos qos, String what) {
    client
        .publishWith()
        .topic(topic)
        .qos(qos)
        .payload(payload)
        .send()
        .whenComplete(
            (result, error) -> {
              if (error != null) {
                log.warn("cannot publish {} to {}: {}", what, topic, error.getMessage());
              } else if (result.getError().isPresent()) {
                log.warn(
                    "broker refused {} to {}: {}",
                    what,
                    topic,
                    result.getError().get().getMessage());
              }
            });
  }

  private <T> void emit(List<Consumer<T>> listeners, T event) {
    if (listeners.isEmpty()) {
      return;
    }
    events.execute(
        () -> {
          for (Consumer<T> listener : listeners) {
            try {
              listener.accept(event);
            } catch (RuntimeException e) {
              log.error("device gateway listener failed on {}", event, e);
            }
          }
        });
  }

  /** The deliveries' {@link Deliveries.Outbox} over this gateway's MQTT client and listeners. */
  private final class MqttOutbox implements Deliveries.Outbox {

    @Override
    public void command(String topic, byte[] payload, String what) {
      publish(topic, payload, what);
    }

    @Override
    public void chunk(String topic, byte[] frame) {
      publish(topic, frame, MqttQos.AT_MOST_ONCE, "chunk");
    }

    @Override
    public void subscribeStatus(String topic, Runnable then) {
      client
          .subscribeWith()
          .topicFilter(topic)
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .whenCompleteAsync(
              (ack, error) -> {
                if (error != null) {
                  log.warn(
                      "cannot subscribe to {}; relying on the shared subscription: {}",
                      topic,
                      error.getMessage());
                }
                then.run();
              },
              MqttDeviceGateway.this::inbound);
    }

    @Override
    public void resubscribeStatus(String topic) {
      client.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
    }

    @Override
    public void unsubscribeStatus(String topic) {
      client
          .unsubscribeWith()
          .topicFilter(topic)
          .send()
          .whenComplete(
              (ack, error) -> {
                if (error != null) {
                  log.debug("cannot unsubscribe from {}: {}", topic, error.getMessage());
                }
              });
    }

    @Override
    public void report(DeviceReport report) {
      emit(reportListeners, report);
    }
  }
}
