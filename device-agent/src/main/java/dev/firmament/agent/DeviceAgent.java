package dev.firmament.agent;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.firmament.delta.DeltaApplier;
import dev.firmament.delta.DeltaFormatException;
import dev.firmament.delta.SeekableSource;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.CancelUpdate;
import dev.firmament.protocol.ChunkFrame;
import dev.firmament.protocol.Command;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.FirmwareVersion;
import dev.firmament.protocol.MalformedMessageException;
import dev.firmament.protocol.Presence;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.Topics;
import dev.firmament.protocol.UpdateOffer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated device: an MQTT 5 client with A/B slots that follows the device protocol.
 *
 * <p>On connect it subscribes to its cmd and data topics and publishes its presence (retained; its
 * last will says offline). On an offer it checks the signature ({@link OfferVerifier}), refuses a
 * delta for another base version and downgrades unless the offer is a rollback, and otherwise
 * accepts with {@code DOWNLOADING} at offset 0. It writes chunks in order, into the inactive slot
 * (a full image) or the staging area (a delta patch), ignores duplicates, acknowledges every {@code
 * ackEvery} chunks and re-acknowledges its position when it sees a gap or reconnects, so the server
 * resumes where it stopped. With all bytes in, it applies a patch from the active slot into the
 * inactive one, checks the SHA-256 of the result and that the signed manifest names it, installs,
 * "reboots" (a scheduled delay, never a sleep), switches slots and reports {@code SUCCEEDED} with
 * the new version. A hash mismatch or a patch that does not apply reports {@code FAILED}/{@code
 * HASH_MISMATCH} and leaves the active slot alone.
 *
 * <p>All of the agent's work runs one task at a time on a shared pool (see {@link AgentRuntime}).
 */
public final class DeviceAgent implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DeviceAgent.class);
  private static final ProtocolCodec CODEC = new ProtocolCodec();

  private final AgentConfig config;
  private final SlotStore slots;
  private final AgentRuntime runtime;
  private final SerialExecutor serial;
  private final Mqtt5AsyncClient client;
  private final Random random;
  private final String cmdTopic;
  private final String dataTopic;
  private final String statusTopic;
  private final String presenceTopic;

  // State confined to the serial executor.
  private Download download;
  private String currentVersion;
  private int verifiedHashes;
  private int installs;
  private boolean connected;
  private boolean closing;
  private long slowLinkReadyNanos;
  private volatile DeviceSnapshot snapshot;

  /**
   * Creates a disconnected agent; call {@link #connect()}.
   *
   * @param config identity, broker and behaviour
   * @param slots the device's slots; the active slot's version is the running version
   * @param runtime threads shared with the other agents of the process
   */
  public DeviceAgent(AgentConfig config, SlotStore slots, AgentRuntime runtime) {
    this.config = Objects.requireNonNull(config, "config");
    this.slots = Objects.requireNonNull(slots, "slots");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.serial = new SerialExecutor(runtime.workers());
    this.random = new Random(config.seed());
    this.currentVersion =
        Objects.requireNonNull(slots.activeVersion(), "active slot has no version");
    String id = config.deviceId();
    this.cmdTopic = Topics.cmd(id);
    this.dataTopic = Topics.data(id);
    this.statusTopic = Topics.status(id);
    this.presenceTopic = Topics.presence(id);
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
                    .build());
    if (config.username() != null) {
      builder =
          builder
              .simpleAuth()
              .username(config.username())
              .password(
                  config.password() == null
                      ? new byte[0]
                      : config.password().getBytes(StandardCharsets.UTF_8))
              .applySimpleAuth();
    }
    this.client = builder.buildAsync();
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
   * Connects, subscribes to the device's cmd and data topics and publishes presence. Completes when
   * all three are done.
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

  // ---- connection ----

  private void onConnected() {
    connected = true;
    publish(presenceTopic, CODEC.encodePresence(Presence.online(currentVersion)), true);
    Download d = download;
    if (d != null && !config.faults().neverAnswer()) {
      if (d.state == DeviceState.DOWNLOADING) {
        // Tell the server where to resume; whatever it sent while we were away is lost.
        acknowledge(d);
      } else if (d.lastReport != null) {
        // The last report may not have made it out before the connection dropped.
        publishReport(d.lastReport);
      }
    }
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

  private void reconnect() {
    if (closing) {
      return;
    }
    connect()
        .whenComplete(
            (ignored, error) -> {
              if (error != null && !closing) {
                log.warn(
                    "device {} cannot reconnect, retrying: {}", deviceId(), error.getMessage());
                runtime.schedule(
                    this::reconnect, config.reconnectDelay().toMillis(), TimeUnit.MILLISECONDS);
              }
            });
  }

  // ---- incoming ----

  private void onPublish(Mqtt5Publish publish) {
    String topic = publish.getTopic().toString();
    if (config.faults().neverAnswer() || closing) {
      return;
    }
    if (topic.equals(cmdTopic)) {
      onCommand(publish.getPayloadAsBytes());
    } else if (topic.equals(dataTopic)) {
      onData(publish.getPayloadAsBytes());
    }
    refreshSnapshot();
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
    }
  }

  private void onOffer(UpdateOffer offer) {
    Download d = download;
    if (d != null && d.offer.updateId().equals(offer.updateId())) {
      // The same offer again: say where we are instead of starting over.
      if (d.state == DeviceState.DOWNLOADING) {
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
    String badSignature = checkSignature(offer);
    if (badSignature != null) {
      finish(next, DeviceState.REJECTED, ErrorCode.BAD_SIGNATURE, badSignature);
    } else if (next.delta && !canApplyDeltas()) {
      finish(
          next,
          DeviceState.REJECTED,
          ErrorCode.UNSUPPORTED_ARTIFACT,
          "this device keeps no base image to apply a delta to");
    } else if (next.delta && !offer.artifact().fromVersion().equals(currentVersion)) {
      finish(
          next,
          DeviceState.REJECTED,
          ErrorCode.WRONG_BASE_VERSION,
          "delta applies to " + offer.artifact().fromVersion() + ", device runs " + currentVersion);
    } else if (!offer.rollback()
        && FirmwareVersion.isDowngrade(currentVersion, offer.targetVersion())) {
      finish(
          next,
          DeviceState.REJECTED,
          ErrorCode.DOWNGRADE_REFUSED,
          "running " + currentVersion + ", offered " + offer.targetVersion() + " without rollback");
    } else if (offer.artifact().size() > config.slotCapacity()) {
      finish(
          next,
          DeviceState.REJECTED,
          ErrorCode.NO_SPACE,
          offer.artifact().size() + " bytes do not fit a slot of " + config.slotCapacity());
    } else if (offer.targetVersion().equals(currentVersion)) {
      finish(next, DeviceState.SUCCEEDED, null, "already running " + currentVersion);
    } else {
      accept(next);
    }
  }

  private String checkSignature(UpdateOffer offer) {
    try {
      config.verifier().verifyOffer(offer);
      return null;
    } catch (BadSignatureException e) {
      log.warn("device {} rejects update {}: {}", deviceId(), offer.updateId(), e.getMessage());
      return e.getMessage();
    }
  }

  private boolean canApplyDeltas() {
    try (SeekableSource active = slots.openActive()) {
      return active != null;
    } catch (IOException e) {
      log.warn("device {} cannot read its active slot: {}", deviceId(), e.getMessage());
      return false;
    }
  }

  private void accept(Download d) {
    try {
      slots.eraseInactive();
      slots.eraseStaging();
    } catch (IOException e) {
      finish(
          d,
          DeviceState.FAILED,
          ErrorCode.INTERNAL,
          "cannot erase the inactive slot: " + e.getMessage());
      return;
    }
    long chunks = d.offer.artifact().chunkCount();
    DeviceFaults faults = config.faults();
    d.dropAtChunk = faults.dropMidTransfer() && chunks > 1 ? chunks / 2 : -1;
    d.corruptChunk =
        faults.corruptChunk()
            ? (long) random.nextInt((int) Math.min(chunks, Integer.MAX_VALUE))
            : -1;
    int interval = d.offer.ackInterval();
    d.ackEvery = config.ackEvery() > 0 ? Math.min(config.ackEvery(), interval) : interval;
    d.state = DeviceState.DOWNLOADING;
    log.debug(
        "device {} accepts update {} ({} bytes)",
        deviceId(),
        d.offer.updateId(),
        d.offer.artifact().size());
    acknowledge(d);
  }

  private void onCancel(CancelUpdate cancel) {
    Download d = download;
    if (d == null || !d.offer.updateId().equals(cancel.updateId())) {
      return;
    }
    if (d.state == DeviceState.DOWNLOADING) {
      try {
        slots.eraseInactive();
      } catch (IOException e) {
        log.warn("device {} cannot erase the inactive slot: {}", deviceId(), e.getMessage());
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

  private void onData(byte[] payload) {
    ChunkFrame chunk;
    try {
      chunk = CODEC.decodeChunk(payload);
    } catch (MalformedMessageException e) {
      log.warn("device {} ignores a malformed chunk frame: {}", deviceId(), e.getMessage());
      return;
    }
    Duration delay = config.faults().chunkDelay();
    if (delay.isZero()) {
      onChunk(chunk);
      return;
    }
    // A slow link: process chunks later, one delay apart, in arrival order.
    long now = System.nanoTime();
    slowLinkReadyNanos = Math.max(now, slowLinkReadyNanos) + delay.toNanos();
    runtime.schedule(
        () ->
            serial.execute(
                () -> {
                  onChunk(chunk);
                  refreshSnapshot();
                }),
        slowLinkReadyNanos - now,
        TimeUnit.NANOSECONDS);
  }

  private void onChunk(ChunkFrame chunk) {
    Download d = download;
    if (d == null
        || d.state != DeviceState.DOWNLOADING
        || !d.offer.updateId().equals(chunk.updateId())) {
      return;
    }
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
    long size = d.offer.artifact().size();
    if (chunk.end() > size) {
      log.warn("device {} ignores a chunk past the artifact end: {}", deviceId(), chunk);
      return;
    }
    byte[] bytes = chunk.payload();
    if (d.chunkIndex == d.corruptChunk) {
      bytes = bytes.clone();
      bytes[random.nextInt(bytes.length)] ^= (byte) 0x5A;
    }
    try {
      if (d.delta) {
        slots.writeStaging(chunk.offset(), bytes, 0, bytes.length);
      } else {
        slots.writeInactive(chunk.offset(), bytes, 0, bytes.length);
      }
    } catch (IOException e) {
      finish(
          d,
          DeviceState.FAILED,
          ErrorCode.INTERNAL,
          "cannot write the "
              + (d.delta ? "staging area" : "inactive slot")
              + ": "
              + e.getMessage());
      return;
    }
    d.position = chunk.end();
    d.chunkIndex++;
    d.chunksSinceAck++;
    if (d.chunkIndex == d.dropAtChunk && !d.dropped) {
      // Drop before acknowledging, so chunks in flight are lost and the server must resume.
      d.dropped = true;
      drop(config.reconnectDelay());
      return;
    }
    if (d.position == size) {
      acknowledge(d);
      verify(d);
    } else if (d.chunksSinceAck >= d.ackEvery) {
      acknowledge(d);
    }
  }

  // ---- verify, install, reboot ----

  private void verify(Download d) {
    report(d, StatusReport.of(d.offer.updateId(), DeviceState.VERIFYING, currentVersion));
    if (d.delta && !applyDelta(d)) {
      return;
    }
    String actual;
    long length;
    try {
      actual = slots.sha256Inactive();
      length = slots.inactiveLength();
    } catch (IOException e) {
      finish(
          d,
          DeviceState.FAILED,
          ErrorCode.INTERNAL,
          "cannot read the inactive slot: " + e.getMessage());
      return;
    }
    if (!actual.equals(d.offer.artifact().sha256())) {
      finish(
          d,
          DeviceState.FAILED,
          ErrorCode.HASH_MISMATCH,
          "expected sha256 " + d.offer.artifact().sha256() + ", got " + actual);
      return;
    }
    try {
      config.verifier().verifyImage(d.offer, actual, length);
    } catch (BadSignatureException e) {
      finish(d, DeviceState.FAILED, ErrorCode.BAD_SIGNATURE, e.getMessage());
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

  /**
   * Applies the staged patch from the active slot into the inactive one. The applier reads the old
   * image by random access and writes the new one sequentially with bounded buffers, so memory does
   * not grow with the image. A patch that does not apply (a corrupted chunk, a different base
   * image) fails the update like a hash mismatch: nothing is installed.
   */
  private boolean applyDelta(Download d) {
    try (SeekableSource old = slots.openActive();
        SeekableSource patch = slots.openStaging();
        OutputStream out =
            new BufferedOutputStream(new InactiveSlotOutputStream(slots), DeltaApplier.IO_BUFFER)) {
      if (old == null) {
        finish(d, DeviceState.FAILED, ErrorCode.INTERNAL, "the active slot holds no image");
        return false;
      }
      DeltaApplier.apply(old, patch, out);
      return true;
    } catch (DeltaFormatException e) {
      finish(
          d,
          DeviceState.FAILED,
          ErrorCode.HASH_MISMATCH,
          "the patch does not apply to the running image: " + e.getMessage());
      return false;
    } catch (IOException | RuntimeException e) {
      finish(
          d, DeviceState.FAILED, ErrorCode.INTERNAL, "cannot apply the patch: " + e.getMessage());
      return false;
    } finally {
      try {
        slots.eraseStaging();
      } catch (IOException e) {
        log.debug("device {} cannot erase its staging area: {}", deviceId(), e.getMessage());
      }
    }
  }

  private void boot(Download d) {
    if (download != d || closing) {
      return;
    }
    if (config.faults().failBoot()) {
      finish(d, DeviceState.ROLLED_BACK, ErrorCode.BOOT_FAILED, "the new slot did not boot");
      return;
    }
    SlotId previous = slots.activeSlot();
    try {
      slots.activateInactive(d.offer.targetVersion());
    } catch (IOException e) {
      finish(d, DeviceState.FAILED, ErrorCode.INTERNAL, "cannot switch slots: " + e.getMessage());
      return;
    }
    currentVersion = d.offer.targetVersion();
    installs++;
    finish(d, DeviceState.SUCCEEDED, null, null);
    publish(presenceTopic, CODEC.encodePresence(Presence.online(currentVersion)), true);
    if (config.faults().revertAfterSuccess()) {
      runtime.schedule(
          () -> serial.execute(() -> revert(d, previous)),
          config.rebootDelay().toMillis(),
          TimeUnit.MILLISECONDS);
    }
    refreshSnapshot();
  }

  private void revert(Download d, SlotId previous) {
    if (download != d || closing) {
      return;
    }
    try {
      slots.revertTo(previous);
    } catch (IOException e) {
      log.warn("device {} cannot revert: {}", deviceId(), e.getMessage());
      return;
    }
    currentVersion = slots.activeVersion();
    finish(
        d,
        DeviceState.ROLLED_BACK,
        ErrorCode.BOOT_FAILED,
        "health check failed after reboot; reverted");
    publish(presenceTopic, CODEC.encodePresence(Presence.online(currentVersion)), true);
    refreshSnapshot();
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

  private CompletableFuture<?> publish(String topic, byte[] payload, boolean retain) {
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

  private CompletableFuture<Void> onSerial(Runnable task) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    serial.execute(
        () -> {
          try {
            task.run();
            done.complete(null);
          } catch (RuntimeException e) {
            done.completeExceptionally(e);
          }
        });
    return done;
  }

  private void refreshSnapshot() {
    Download d = download;
    snapshot =
        new DeviceSnapshot(
            deviceId(),
            currentVersion,
            slots.activeSlot(),
            connected,
            d == null ? null : d.offer.updateId(),
            d == null ? null : d.state,
            d == null ? null : d.code,
            d == null ? 0 : d.position,
            verifiedHashes,
            installs,
            config.faults());
  }

  /** Writes the applier's output into the inactive slot, front to back. */
  private static final class InactiveSlotOutputStream extends OutputStream {
    private final SlotStore slots;
    private long position;

    InactiveSlotOutputStream(SlotStore slots) {
      this.slots = slots;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      slots.writeInactive(position, b, off, len);
      position += len;
    }
  }

  /** The device's work on one offer. */
  private static final class Download {
    final UpdateOffer offer;
    DeviceState state;
    ErrorCode code;
    StatusReport lastReport;
    long position;
    long chunkIndex;
    int chunksSinceAck;
    int ackEvery = 1;
    long gapAcknowledgedAt = -1;
    long dropAtChunk = -1;
    long corruptChunk = -1;
    boolean dropped;

    final boolean delta;

    Download(UpdateOffer offer) {
      this.offer = offer;
      this.delta = offer.artifact().kind() == ArtifactKind.DELTA;
    }

    boolean isInstalling() {
      return state == DeviceState.VERIFYING
          || state == DeviceState.INSTALLING
          || state == DeviceState.REBOOTING;
    }
  }
}
