package dev.firmament.protocol.server;

import dev.firmament.protocol.Command;
import dev.firmament.protocol.NetworkConfig;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The port through which the server talks to devices: offer updates, cancel them, and hear what
 * devices report. Implementations are thread-safe and never block the caller on device I/O.
 *
 * <p>Listener contract: listeners are called on one gateway thread, in the order reports arrive; a
 * listener that throws is logged and does not affect the others. Hand slow work (database writes)
 * to another executor. A device's reports reach listeners only for the device's current update (the
 * last one offered to it through this gateway), one report per state change: the first {@code
 * DOWNLOADING} (the device accepted), then {@code VERIFYING}, {@code INSTALLING}, {@code REBOOTING}
 * and one terminal state. Progress acknowledgements are consumed by flow control and show in {@link
 * #stats()}. A late {@code ROLLED_BACK} after {@code SUCCEEDED} is passed on. Duplicates may still
 * reach listeners after a restart; treat reports idempotently.
 */
public interface DeviceGateway extends AutoCloseable {

  /**
   * Offers an update to a device and streams the artifact once the device accepts.
   *
   * <p>Idempotent on {@code (deviceId, updateId)}: offering the delivery that is already in
   * progress re-sends the offer and resumes the transfer from the device's acknowledged offset. A
   * delivery with a different update id replaces the device's current one.
   *
   * @throws IllegalStateException if the gateway is closed
   */
  void offer(Delivery delivery);

  /**
   * Asks a device to stop an update and stops pushing its bytes. The device confirms with {@code
   * FAILED}/{@code CANCELED}, which listeners receive, unless it is already installing. Idempotent.
   *
   * @throws IllegalStateException if the gateway is closed
   */
  void cancel(String deviceId, String updateId);

  /** Adds a listener for status reports. */
  void onReport(Consumer<DeviceReport> listener);

  /** Adds a listener for presence changes (online with version, offline). */
  void onPresence(Consumer<PresenceEvent> listener);

  /**
   * Calls {@code listener} with every well-formed event a device publishes on its events topic (one
   * worker of the group receives each), on the gateway's event thread.
   */
  void onEvent(Consumer<DeviceEventReport> listener);

  /**
   * Calls {@code listener} with the well-formed vitals and log lines a device publishes on its
   * telemetry topic (one worker of the group receives each), on the gateway's event thread.
   */
  void onTelemetry(Consumer<DeviceTelemetryReport> listener);

  /**
   * Calls {@code listener} with every well-formed ledger message a device publishes on its ledger
   * topic (one worker of the group receives each), on the gateway's event thread.
   */
  void onLedger(Consumer<DeviceLedgerReport> listener);

  /**
   * Sends a ledger copy or acknowledgement to a device on its cmd topic (QoS 1, not retained); a
   * device that is not connected does not get it and catches up with its next sync request.
   *
   * @throws IllegalStateException if the gateway is closed
   */
  void sendLedger(String deviceId, Command message);

  /**
   * Calls {@code listener} with every well-formed network message a device publishes on its network
   * topic (one worker of the group receives each), on the gateway's event thread.
   */
  void onNetwork(Consumer<DeviceNetworkReport> listener);

  /**
   * Sends a network configuration (or a removal) to a device on its cmd topic (QoS 1, not
   * retained); a device that is not connected does not get it and catches up with its next sync.
   *
   * @throws IllegalStateException if the gateway is closed
   */
  void sendNetwork(String deviceId, NetworkConfig config);

  /**
   * The updates this gateway is delivering now (offered, no final report yet), as {@code deviceId
   * -> updateId}: what the process that holds the gateway must keep alive. A snapshot.
   */
  Map<String, String> openUpdates();

  /** A snapshot of the counters. */
  GatewayStats stats();

  /**
   * Whether the gateway's session with the broker is up now (it reconnects by itself when it is
   * not); a gateway without a broker is always connected.
   */
  default boolean connected() {
    return true;
  }

  /**
   * What this gateway exchanged with each device (firmware chunks and ledger messages) since the
   * last call, which it then forgets: each byte is returned once. The workers add it to the
   * devices' data usage. A gateway that counts nothing returns an empty map.
   */
  default Map<String, DeviceUsage> drainUsage() {
    return Map.of();
  }

  /** Disconnects; deliveries in progress stop (devices resume when they are offered again). */
  @Override
  void close();
}
