package dev.firmament.workers;

import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DeviceReport;
import dev.firmament.protocol.server.GatewayStats;
import dev.firmament.protocol.server.PresenceEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A gateway with no devices: tests hand reports to the status bridge directly, and read what the
 * workers asked of the gateway ({@code "deviceId updateId"} per withdrawn offer, and the offers
 * still open).
 */
public final class RecordingGateway implements DeviceGateway {
  public final List<String> canceled = new CopyOnWriteArrayList<>();

  /** Offers not withdrawn, as {@code deviceId -> updateId}. */
  public final Map<String, String> open = new ConcurrentHashMap<>();

  @Override
  public void offer(Delivery delivery) {
    open.put(delivery.deviceId(), delivery.updateId());
  }

  @Override
  public void cancel(String deviceId, String updateId) {
    canceled.add(deviceId + " " + updateId);
    open.remove(deviceId, updateId);
  }

  /** What the next {@link #drainUsage()} returns, as a real gateway's meter would. */
  public final Map<String, dev.firmament.protocol.server.DeviceUsage> usage =
      new ConcurrentHashMap<>();

  @Override
  public synchronized Map<String, dev.firmament.protocol.server.DeviceUsage> drainUsage() {
    Map<String, dev.firmament.protocol.server.DeviceUsage> taken = Map.copyOf(usage);
    usage.clear();
    return taken;
  }

  @Override
  public Map<String, String> openUpdates() {
    return Map.copyOf(open);
  }

  @Override
  public void onReport(Consumer<DeviceReport> listener) {}

  @Override
  public void onPresence(Consumer<PresenceEvent> listener) {}

  /** Event listeners, to hand events to as a real gateway would. */
  public final java.util.List<Consumer<dev.firmament.protocol.server.DeviceEventReport>>
      eventListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public void onEvent(Consumer<dev.firmament.protocol.server.DeviceEventReport> listener) {
    eventListeners.add(listener);
  }

  /** Telemetry listeners, to hand vitals and log lines to as a real gateway would. */
  public final java.util.List<Consumer<dev.firmament.protocol.server.DeviceTelemetryReport>>
      telemetryListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public void onTelemetry(Consumer<dev.firmament.protocol.server.DeviceTelemetryReport> listener) {
    telemetryListeners.add(listener);
  }

  /** Ledger listeners, to hand ledger messages to as a real gateway would. */
  public final List<Consumer<dev.firmament.protocol.server.DeviceLedgerReport>> ledgerListeners =
      new CopyOnWriteArrayList<>();

  /** What the workers sent devices about ledgers, as {@code deviceId -> messages} in order. */
  public final Map<String, List<dev.firmament.protocol.Command>> ledgerSent =
      new ConcurrentHashMap<>();

  @Override
  public void onLedger(Consumer<dev.firmament.protocol.server.DeviceLedgerReport> listener) {
    ledgerListeners.add(listener);
  }

  @Override
  public void sendLedger(String deviceId, dev.firmament.protocol.Command message) {
    ledgerSent.computeIfAbsent(deviceId, id -> new CopyOnWriteArrayList<>()).add(message);
  }

  /** Network listeners, to hand network messages to as a real gateway would. */
  public final List<Consumer<dev.firmament.protocol.server.DeviceNetworkReport>> networkListeners =
      new CopyOnWriteArrayList<>();

  /** What the workers sent devices about networks, as {@code deviceId -> messages} in order. */
  public final Map<String, List<dev.firmament.protocol.NetworkConfig>> networkSent =
      new ConcurrentHashMap<>();

  @Override
  public void onNetwork(Consumer<dev.firmament.protocol.server.DeviceNetworkReport> listener) {
    networkListeners.add(listener);
  }

  @Override
  public void sendNetwork(String deviceId, dev.firmament.protocol.NetworkConfig config) {
    networkSent.computeIfAbsent(deviceId, id -> new CopyOnWriteArrayList<>()).add(config);
  }

  @Override
  public GatewayStats stats() {
    return null;
  }

  @Override
  public void close() {}
}
