package dev.firmament.protocol.server;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.firmament.protocol.CancelUpdate;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.MalformedMessageException;
import dev.firmament.protocol.Presence;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.Topics;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * window} chunks in flight. An acknowledgement above the last one moves the window. An
 * acknowledgement at or below it means the device is missing bytes from that offset (it
 * reconnected, or saw a gap) and the gateway goes back to that offset, once per offset. If a
 * transfer makes no progress for the stall timeout, the gateway re-offers and re-sends from the
 * last acknowledged offset. Transfers never restart from zero unless the device says so.
 */
public final class MqttDeviceGateway implements DeviceGateway {

  private static final Logger log = LoggerFactory.getLogger(MqttDeviceGateway.class);

  /** Devices whose last update is over but whose late reports are still recognised. */
  private static final int REMEMBERED_DEVICES = 100_000;

  private static final long SWEEP_MILLIS = 250;

  private final GatewayOptions options;
  private final Mqtt5AsyncClient client;
  private final ProtocolCodec codec = new ProtocolCodec();
  private final ScheduledExecutorService loop;
  private final ExecutorService events;
  private final List<Consumer<DeviceReport>> reportListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<PresenceEvent>> presenceListeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger activeDeliveries = new AtomicInteger();
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong chunksSent = new AtomicLong();
  private volatile long bytesInFlight;

  // Event-loop state.
  private final Map<String, DeviceRecord> records =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DeviceRecord> eldest) {
          return size() > REMEMBERED_DEVICES && !eldest.getValue().transferring;
        }
      };
  private final Set<DeviceRecord> transferring = new LinkedHashSet<>();
  private final ArrayDeque<DeviceRecord> waitingForBudget = new ArrayDeque<>();
  private boolean connectedBefore;

  private MqttDeviceGateway(GatewayOptions options) {
    this.options = options;
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("firmament-gateway-loop").daemon().factory());
    this.events =
        Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("firmament-gateway-events").daemon().factory());
    this.client =
        Mqtt5Client.builder()
            .identifier(options.clientId())
            .serverHost(options.broker().host())
            .serverPort(options.broker().port())
            .automaticReconnectWithDefaultConfig()
            .addConnectedListener(context -> loop.execute(this::onConnected))
            .buildAsync();
    client.publishes(MqttGlobalPublishFilter.ALL, this::onPublish, loop);
  }

  /**
   * Connects to the broker, joins the shared subscriptions and returns a ready gateway. Blocks
   * until then, at most {@link GatewayOptions#connectTimeout()}.
   *
   * @throws IllegalStateException if the broker cannot be reached or refuses the subscriptions
   */
  public static MqttDeviceGateway connect(GatewayOptions options) {
    MqttDeviceGateway gateway = new MqttDeviceGateway(Objects.requireNonNull(options, "options"));
    long timeout = options.connectTimeout().toMillis();
    try {
      gateway.client.connectWith().cleanStart(true).send().get(timeout, TimeUnit.MILLISECONDS);
      gateway
          .client
          .subscribeWith()
          .addSubscription()
          .topicFilter(Topics.sharedFilter(Topics.Kind.STATUS))
          .qos(MqttQos.AT_LEAST_ONCE)
          .applySubscription()
          .addSubscription()
          .topicFilter(Topics.sharedFilter(Topics.Kind.PRESENCE))
          .qos(MqttQos.AT_LEAST_ONCE)
          .applySubscription()
          .send()
          .get(timeout, TimeUnit.MILLISECONDS);
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
      client.disconnect().get(5, TimeUnit.SECONDS);
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
        && current.transferring
        && current.delivery.updateId().equals(delivery.updateId())) {
      // The same update again (an activity retry): resume, do not restart.
      log.info(
          "re-offering update {} to device {} from offset {}",
          delivery.updateId(),
          delivery.deviceId(),
          current.acked);
      rewind(current, current.acked);
      publishOffer(current);
      return;
    }
    if (current != null && current.transferring) {
      log.info(
          "update {} replaces update {} on device {}",
          delivery.updateId(),
          current.delivery.updateId(),
          delivery.deviceId());
      endTransfer(current);
    }
    DeviceRecord record = new DeviceRecord(delivery);
    records.put(delivery.deviceId(), record);
    record.transferring = true;
    record.lastProgressNanos = System.nanoTime();
    transferring.add(record);
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
              loop);
    } else {
      record.directSubscribed = current != null && current.directSubscribed;
      publishOffer(record);
    }
  }

  private void publishOffer(DeviceRecord record) {
    if (records.get(record.deviceId) != record || !record.transferring) {
      return;
    }
    publish(
        record.cmdTopic, codec.encodeCommand(record.delivery.toOffer(options.window())), "offer");
  }

  private void cancelDelivery(String deviceId, String updateId, String topic, byte[] payload) {
    DeviceRecord record = records.get(deviceId);
    if (record != null && record.delivery.updateId().equals(updateId)) {
      endTransfer(record);
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
    if (record.transferring) {
      if (report.state() == DeviceState.DOWNLOADING) {
        onAcknowledgement(record, report.offset());
      } else {
        endTransfer(record);
      }
    }
    if (report.state().isTerminal()) {
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

  /** Sends chunks while the delivery's window and the gateway's byte budget allow. */
  private void pump(DeviceRecord record) {
    if (!record.transferring || !record.accepted) {
      return;
    }
    var artifact = record.delivery.artifact();
    long windowBytes = (long) options.window() * artifact.chunkSize();
    while (record.next < artifact.size() && record.next - record.acked < windowBytes) {
      int length = (int) Math.min(artifact.chunkSize(), artifact.size() - record.next);
      if (bytesInFlight > 0 && bytesInFlight + length > options.maxBytesInFlight()) {
        if (!record.waiting) {
          record.waiting = true;
          waitingForBudget.add(record);
        }
        return;
      }
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
      publish(record.dataTopic, frame, "chunk");
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

  private void drainWaiting() {
    while (!waitingForBudget.isEmpty() && bytesInFlight < options.maxBytesInFlight()) {
      DeviceRecord record = waitingForBudget.poll();
      record.waiting = false;
      pump(record);
      if (record.waiting) {
        return;
      }
    }
  }

  private void endTransfer(DeviceRecord record) {
    if (!record.transferring) {
      return;
    }
    setPositions(record, record.next, record.next);
    record.transferring = false;
    transferring.remove(record);
    if (record.waiting) {
      record.waiting = false;
      waitingForBudget.remove(record);
    }
    activeDeliveries.decrementAndGet();
    drainWaiting();
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

  /** Re-offers and re-sends transfers that made no progress for the stall timeout. */
  private void sweepStalls() {
    try {
      long now = System.nanoTime();
      for (DeviceRecord record : new ArrayList<>(transferring)) {
        long timeout = options.stallTimeout().toNanos() << Math.min(record.stalls, 4);
        if (now - record.lastProgressNanos < timeout
            || record.acked >= record.delivery.artifact().size()) {
          continue;
        }
        record.stalls++;
        record.lastProgressNanos = now;
        log.info(
            "update {} on device {} stalled at offset {}; re-offering (attempt {})",
            record.delivery.updateId(),
            record.deviceId,
            record.acked,
            record.stalls);
        rewind(record, record.acked);
        publishOffer(record);
        pump(record);
      }
    } catch (RuntimeException e) {
      log.error("stall sweep failed", e);
    }
  }

  private void onConnected() {
    if (!connectedBefore) {
      connectedBefore = true;
      return;
    }
    // Anything in flight during the outage may be lost: go back to what devices acknowledged.
    log.info("device gateway reconnected; resuming {} transfers", transferring.size());
    for (DeviceRecord record : new ArrayList<>(transferring)) {
      rewind(record, record.acked);
      publishOffer(record);
      pump(record);
    }
  }

  // ---- helpers ----

  private void publish(String topic, byte[] payload, String what) {
    client
        .publishWith()
        .topic(topic)
        .qos(MqttQos.AT_LEAST_ONCE)
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
    boolean transferring;
    boolean accepted;
    boolean waiting;
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
