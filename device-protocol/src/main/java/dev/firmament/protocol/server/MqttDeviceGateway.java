package dev.firmament.protocol.server;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.firmament.protocol.CancelUpdate;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.MalformedMessageException;
import dev.firmament.protocol.MqttShutdownErrors;
import dev.firmament.protocol.Presence;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
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
 * then receives each report twice; exact copies are recognised and dropped.
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
 */
public final class MqttDeviceGateway implements DeviceGateway {

  private static final Logger log = LoggerFactory.getLogger(MqttDeviceGateway.class);

  /** Devices whose last update is over but whose late reports are still recognised. */
  private static final int REMEMBERED_DEVICES = 100_000;

  private static final long SWEEP_MILLIS = 250;

  private static final long SESSION_EXPIRY_SECONDS = 300;

  private final GatewayOptions options;
  private final Mqtt5AsyncClient client;
  private final ProtocolCodec codec = new ProtocolCodec();
  private final ScheduledExecutorService loop;
  private final ExecutorService events;
  private final List<Consumer<DeviceReport>> reportListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<PresenceEvent>> presenceListeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch finalDisconnect = new CountDownLatch(1);
  private final AtomicInteger activeDeliveries = new AtomicInteger();
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong chunksSent = new AtomicLong();
  private volatile long bytesInFlight;

  // Event-loop state.
  private final Map<String, DeviceRecord> records =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DeviceRecord> eldest) {
          return size() > REMEMBERED_DEVICES && !eldest.getValue().open;
        }
      };

  /** Deliveries without a terminal report yet, in offer order. */
  private final Set<DeviceRecord> open = new LinkedHashSet<>();

  private final ArrayDeque<DeviceRecord> waitingForBudget = new ArrayDeque<>();
  private long reservedBytes;
  private boolean connectedBefore;
  private long disconnectedAtNanos;

  private MqttDeviceGateway(GatewayOptions options) {
    this.options = options;
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("firmament-gateway-loop").daemon().factory());
    this.events =
        Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("firmament-gateway-events").daemon().factory());
    Mqtt5ClientBuilder builder =
        Mqtt5Client.builder()
            .identifier(options.clientId())
            .serverHost(options.broker().host())
            .serverPort(options.broker().port())
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
    if (options.username() != null) {
      builder =
          builder
              .simpleAuth()
              .username(options.username())
              .password(
                  options.password() == null
                      ? new byte[0]
                      : options.password().getBytes(StandardCharsets.UTF_8))
              .applySimpleAuth();
    }
    this.client = builder.buildAsync();
    client.publishes(MqttGlobalPublishFilter.ALL, this::onPublish, this::inbound);
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
      gateway.subscribeShared().get(timeout, TimeUnit.MILLISECONDS);
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
    loop.execute(() -> startDelivery(delivery));
  }

  @Override
  public void cancel(String deviceId, String updateId) {
    String topic = Topics.cmd(deviceId);
    byte[] payload = codec.encodeCommand(new CancelUpdate(updateId));
    ensureOpen();
    loop.execute(() -> cancelDelivery(deviceId, updateId, topic, payload));
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
  public GatewayStats stats() {
    return new GatewayStats(
        activeDeliveries.get(), bytesSent.get(), chunksSent.get(), bytesInFlight);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      loop.submit(this::logUnfinished).get(2, TimeUnit.SECONDS);
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

  // ---- event loop: offers and cancels ----

  private void startDelivery(Delivery delivery) {
    DeviceRecord current = records.get(delivery.deviceId());
    if (current != null
        && current.open
        && current.delivery.updateId().equals(delivery.updateId())) {
      // The same update again (an activity retry): resume, do not restart.
      log.info(
          "re-offering update {} to device {} from offset {}",
          delivery.updateId(),
          delivery.deviceId(),
          current.acked);
      if (current.transferring) {
        rewind(current, current.acked);
      }
      publishOffer(current);
      return;
    }
    if (current != null && current.open) {
      log.info(
          "update {} replaces update {} on device {}",
          delivery.updateId(),
          current.delivery.updateId(),
          delivery.deviceId());
      closeDelivery(current);
    }
    DeviceRecord record = new DeviceRecord(delivery);
    records.put(delivery.deviceId(), record);
    record.transferring = true;
    record.open = true;
    record.lastProgressNanos = System.nanoTime();
    open.add(record);
    activeDeliveries.incrementAndGet();
    if (options.directStatusSubscriptions() && (current == null || !current.directSubscribed)) {
      record.directSubscribed = true;
      client
          .subscribeWith()
          .topicFilter(record.statusTopic)
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .whenCompleteAsync(
              (ack, error) -> {
                if (error != null) {
                  log.warn(
                      "cannot subscribe to {}; relying on the shared subscription: {}",
                      record.statusTopic,
                      error.getMessage());
                }
                publishOffer(record);
              },
              this::inbound);
    } else {
      record.directSubscribed = current != null && current.directSubscribed;
      publishOffer(record);
    }
  }

  private void publishOffer(DeviceRecord record) {
    if (records.get(record.deviceId) != record || !record.open) {
      return;
    }
    publish(
        record.cmdTopic, codec.encodeCommand(record.delivery.toOffer(options.window())), "offer");
  }

  private void cancelDelivery(String deviceId, String updateId, String topic, byte[] payload) {
    DeviceRecord record = records.get(deviceId);
    if (record != null && record.delivery.updateId().equals(updateId)) {
      closeDelivery(record);
      unsubscribeDirect(record);
    }
    log.info("canceling update {} on device {}", updateId, deviceId);
    publish(topic, payload, "cancel");
  }

  // ---- event loop: incoming messages ----

  private void onPublish(Mqtt5Publish publish) {
    try {
      String topic = publish.getTopic().toString();
      if (topic.endsWith("/" + Topics.Kind.STATUS.segment())) {
        onStatus(topic, publish.getPayloadAsBytes());
      } else if (topic.endsWith("/" + Topics.Kind.PRESENCE.segment())) {
        onPresence(topic, publish.getPayloadAsBytes());
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
    DeviceRecord record = records.get(deviceId);
    if (record == null) {
      // Normal with several workers: the shared subscription hands out other workers' reports.
      log.debug(
          "dropping {} report from device {} for update {}: no update of this gateway",
          report.state(),
          deviceId,
          report.updateId());
      return;
    }
    if (!record.delivery.updateId().equals(report.updateId())) {
      log.warn(
          "dropping {} report from device {} for update {}: its current update is {}",
          report.state(),
          deviceId,
          report.updateId(),
          record.delivery.updateId());
      return;
    }
    if (!record.firstSighting(payload)) {
      return;
    }
    if (report.state() != DeviceState.DOWNLOADING) {
      // The device moved on: the delivery is alive even though no bytes flow any more.
      record.lastProgressNanos = System.nanoTime();
      record.stalls = 0;
    }
    if (record.transferring) {
      if (report.state() == DeviceState.DOWNLOADING) {
        onAcknowledgement(record, report.offset());
      } else {
        endTransfer(record);
      }
    }
    if (report.state().isTerminal()) {
      closeDelivery(record);
      unsubscribeDirect(record);
    }
    if (advances(record.lastForwarded, report.state())) {
      record.lastForwarded = report.state();
      DeviceReport event = new DeviceReport(deviceId, report);
      emit(reportListeners, event);
    }
  }

  private void onPresence(String topic, byte[] payload) {
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
    emit(presenceListeners, new PresenceEvent(deviceId, presence));
  }

  /**
   * Which reports listeners see: the first of each state, in the order of a successful update, and
   * one terminal state; after {@code SUCCEEDED} only a {@code ROLLED_BACK} (a device that reverted
   * after reporting success).
   */
  static boolean advances(DeviceState last, DeviceState next) {
    if (last == null) {
      return true;
    }
    if (last.isTerminal()) {
      return last == DeviceState.SUCCEEDED && next == DeviceState.ROLLED_BACK;
    }
    return next.isTerminal() || next.ordinal() > last.ordinal();
  }

  // ---- event loop: flow control ----

  private void onAcknowledgement(DeviceRecord record, long offset) {
    long size = record.delivery.artifact().size();
    if (offset > size) {
      log.warn(
          "device {} acknowledged offset {} beyond the artifact size {}; ignoring",
          record.deviceId,
          offset,
          size);
      return;
    }
    if (!record.accepted) {
      record.accepted = true;
      log.debug(
          "device {} accepted update {} at offset {}",
          record.deviceId,
          record.delivery.updateId(),
          offset);
      setPositions(record, offset, offset);
      markProgress(record);
    } else if (offset > record.acked) {
      setPositions(record, offset, Math.max(record.next, offset));
      record.rewoundAt = -1;
      markProgress(record);
    } else if (offset < record.acked || record.rewoundAt != offset) {
      // The device misses bytes from this offset: it reconnected or saw a gap. Go back once.
      if (record.next > offset) {
        log.info(
            "device {} resumes update {} from offset {} (sent up to {})",
            record.deviceId,
            record.delivery.updateId(),
            offset,
            record.next);
      }
      rewind(record, offset);
    }
    pump(record);
    drainWaiting();
  }

  private void markProgress(DeviceRecord record) {
    record.lastProgressNanos = System.nanoTime();
    record.stalls = 0;
  }

  private void rewind(DeviceRecord record, long offset) {
    setPositions(record, offset, offset);
    record.rewoundAt = offset;
  }

  private void setPositions(DeviceRecord record, long acked, long next) {
    long delta = (next - acked) - (record.next - record.acked);
    record.acked = acked;
    record.next = next;
    bytesInFlight += delta;
  }

  /**
   * Sends chunks while the delivery's window allows. A delivery sends only once it holds a
   * reservation of its whole window from the gateway's byte budget: a smaller share could leave the
   * device short of its acknowledgement interval, waiting for chunks that never come.
   */
  private void pump(DeviceRecord record) {
    if (!record.transferring || !record.accepted || !admit(record)) {
      return;
    }
    var artifact = record.delivery.artifact();
    long windowBytes = (long) options.window() * artifact.chunkSize();
    while (record.next < artifact.size() && record.next - record.acked < windowBytes) {
      int length = (int) Math.min(artifact.chunkSize(), artifact.size() - record.next);
      byte[] frame;
      try {
        frame = frame(record, record.next, length);
      } catch (IOException | RuntimeException e) {
        log.error(
            "cannot read artifact of update {} at offset {}; canceling it on device {}",
            record.delivery.updateId(),
            record.next,
            record.deviceId,
            e);
        endTransfer(record);
        publish(
            record.cmdTopic,
            codec.encodeCommand(new CancelUpdate(record.delivery.updateId())),
            "cancel");
        return;
      }
      publish(record.dataTopic, frame, MqttQos.AT_MOST_ONCE, "chunk");
      setPositions(record, record.acked, record.next + length);
      bytesSent.addAndGet(length);
      chunksSent.incrementAndGet();
    }
  }

  private byte[] frame(DeviceRecord record, long offset, int length) throws IOException {
    String updateId = record.delivery.updateId();
    int header = ProtocolCodec.chunkHeaderLength(updateId);
    byte[] frame = new byte[header + length];
    ProtocolCodec.writeChunkHeader(frame, updateId, offset);
    int filled = 0;
    while (filled < length) {
      int n =
          record.delivery.source().read(offset + filled, frame, header + filled, length - filled);
      if (n <= 0) {
        throw new IOException(
            "artifact source ended at "
                + (offset + filled)
                + " of "
                + record.delivery.artifact().size());
      }
      filled += n;
    }
    return frame;
  }

  /**
   * Whether the delivery holds its window's share of the byte budget, reserving it if it fits and
   * queueing the delivery (once) if it does not.
   */
  private boolean admit(DeviceRecord record) {
    if (record.reserved > 0) {
      return true;
    }
    if (!record.transferring) {
      return false;
    }
    var artifact = record.delivery.artifact();
    long need =
        Math.max(
            1,
            Math.min(
                (long) options.window() * artifact.chunkSize(), artifact.size() - record.acked));
    // A lone delivery may always go, even if its window is larger than the whole budget.
    if (reservedBytes > 0 && reservedBytes + need > options.maxBytesInFlight()) {
      if (!record.waiting) {
        record.waiting = true;
        waitingForBudget.add(record);
      }
      return false;
    }
    if (record.waiting) {
      record.waiting = false;
      waitingForBudget.remove(record);
    }
    record.reserved = need;
    reservedBytes += need;
    // Time spent waiting for the budget is not a stall.
    record.lastProgressNanos = System.nanoTime();
    return true;
  }

  private void release(DeviceRecord record) {
    reservedBytes -= record.reserved;
    record.reserved = 0;
  }

  /** Admits waiting deliveries, oldest first, while the budget has room. */
  private void drainWaiting() {
    while (!waitingForBudget.isEmpty()) {
      DeviceRecord head = waitingForBudget.peek();
      if (!head.transferring || head.reserved > 0) {
        waitingForBudget.poll();
        head.waiting = false;
        continue;
      }
      if (!admit(head)) {
        return;
      }
      pump(head);
    }
  }

  private void endTransfer(DeviceRecord record) {
    if (!record.transferring) {
      return;
    }
    setPositions(record, record.next, record.next);
    record.transferring = false;
    release(record);
    if (record.waiting) {
      record.waiting = false;
      waitingForBudget.remove(record);
    }
    drainWaiting();
  }

  /** Ends a delivery: a terminal report, a cancel, or a newer update for the device. */
  private void closeDelivery(DeviceRecord record) {
    endTransfer(record);
    if (record.open) {
      record.open = false;
      open.remove(record);
      activeDeliveries.decrementAndGet();
    }
  }

  private void unsubscribeDirect(DeviceRecord record) {
    if (!record.directSubscribed) {
      return;
    }
    record.directSubscribed = false;
    client
        .unsubscribeWith()
        .topicFilter(record.statusTopic)
        .send()
        .whenComplete(
            (ack, error) -> {
              if (error != null) {
                log.debug("cannot unsubscribe from {}: {}", record.statusTopic, error.getMessage());
              }
            });
  }

  /**
   * Re-offers deliveries that went quiet for the stall timeout: a transfer without progress goes
   * back to the last acknowledged offset; a device that has all bytes but sent no further report
   * answers the offer by repeating its last report, which recovers reports lost on the way.
   */
  private void sweepStalls() {
    try {
      long now = System.nanoTime();
      for (DeviceRecord record : new ArrayList<>(open)) {
        long timeout = options.stallTimeout().toNanos() << Math.min(record.stalls, 4);
        if (record.waiting || now - record.lastProgressNanos < timeout) {
          continue;
        }
        record.stalls++;
        record.lastProgressNanos = now;
        log.info(
            "update {} on device {} quiet in {} at offset {}; re-offering (attempt {})",
            record.delivery.updateId(),
            record.deviceId,
            record.lastForwarded == null ? "OFFERED" : record.lastForwarded,
            record.acked,
            record.stalls);
        if (record.transferring) {
          rewind(record, record.acked);
        }
        publishOffer(record);
        pump(record);
      }
    } catch (RuntimeException e) {
      log.error("stall sweep failed", e);
    }
  }

  private CompletableFuture<?> subscribeShared() {
    return client
        .subscribeWith()
        .addSubscription()
        .topicFilter(Topics.sharedFilter(Topics.Kind.STATUS))
        .qos(MqttQos.AT_LEAST_ONCE)
        .applySubscription()
        .addSubscription()
        .topicFilter(Topics.sharedFilter(Topics.Kind.PRESENCE))
        .qos(MqttQos.AT_LEAST_ONCE)
        .applySubscription()
        .send();
  }

  private void logUnfinished() {
    for (DeviceRecord record : open) {
      log.info(
          "unfinished at close: update {} to device {}: accepted={} acked={} next={} size={} waiting={} reserved={} stalls={} last={}",
          record.delivery.updateId(),
          record.deviceId,
          record.accepted,
          record.acked,
          record.next,
          record.delivery.artifact().size(),
          record.waiting,
          record.reserved,
          record.stalls,
          record.lastForwarded);
    }
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
        open.size());
    if (outageNanos >= TimeUnit.SECONDS.toNanos(SESSION_EXPIRY_SECONDS)) {
      client.publishes(MqttGlobalPublishFilter.ALL, this::onPublish, this::inbound);
    }
    subscribeShared()
        .whenComplete(
            (ack, error) -> {
              if (error != null) {
                log.error("cannot subscribe again after reconnecting", error);
              }
            });
    for (DeviceRecord record : new ArrayList<>(open)) {
      if (record.directSubscribed) {
        client.subscribeWith().topicFilter(record.statusTopic).qos(MqttQos.AT_LEAST_ONCE).send();
      }
      if (record.transferring) {
        rewind(record, record.acked);
      }
      publishOffer(record);
      pump(record);
    }
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

  /** What the gateway knows about one device: its current update and that update's transfer. */
  private static final class DeviceRecord {
    private static final int RECENT = 64;

    final String deviceId;
    final Delivery delivery;
    final String statusTopic;
    final String cmdTopic;
    final String dataTopic;
    boolean open;
    boolean transferring;
    boolean accepted;
    boolean waiting;
    long reserved;
    boolean directSubscribed;
    long acked;
    long next;
    long rewoundAt = -1;
    long lastProgressNanos;
    int stalls;
    DeviceState lastForwarded;
    private final long[] recent = new long[RECENT];
    private int recentCount;

    DeviceRecord(Delivery delivery) {
      this.delivery = delivery;
      this.deviceId = delivery.deviceId();
      this.statusTopic = Topics.status(deviceId);
      this.cmdTopic = Topics.cmd(deviceId);
      this.dataTopic = Topics.data(deviceId);
    }

    /**
     * Whether this exact payload was not seen among the device's recent reports. Each report
     * carries its send time, so only copies of one message (overlapping subscriptions, QoS 1
     * redelivery) repeat.
     */
    boolean firstSighting(byte[] payload) {
      long fingerprint = fingerprint(payload);
      int n = Math.min(recentCount, RECENT);
      for (int i = 0; i < n; i++) {
        if (recent[i] == fingerprint) {
          return false;
        }
      }
      recent[recentCount++ % RECENT] = fingerprint;
      return true;
    }

    private static long fingerprint(byte[] payload) {
      long hash = 0xcbf29ce484222325L;
      for (byte b : payload) {
        hash ^= b & 0xFF;
        hash *= 0x100000001b3L;
      }
      return hash ^ ((long) payload.length << 48);
    }
  }
}
