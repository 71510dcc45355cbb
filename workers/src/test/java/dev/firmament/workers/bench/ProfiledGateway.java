package dev.firmament.workers.bench;

import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.Presence;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DeviceReport;
import dev.firmament.protocol.server.GatewayStats;
import dev.firmament.protocol.server.PresenceEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A simulated fleet behind the gateway port. Devices of a fleet given a {@link FleetProfile} (ids
 * {@code <fleet>-...}, as the benchmark seeds them) answer as their profile says: at once, after
 * one to five simulated minutes, with a failure, or not at all while they are offline; those that
 * connect late publish their presence when {@link #connectDuring} says. Devices of a fleet given a
 * hold ({@link #holdSlots}) answer SUCCEEDED that long after each offer. Every other device updates
 * at once. Reports and presence go out from one gateway thread, as the real gateway's do; delayed
 * ones are timed by a scheduler, never by a sleeping thread. Benchmark only: it measures the
 * rollout engine, not MQTT or devices.
 */
final class ProfiledGateway implements DeviceGateway {
  /** The version every seeded device runs before its update. */
  static final String FLEET_VERSION = "1.0.0";

  private final Duration simulatedMinute;
  private final List<Consumer<DeviceReport>> reportListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<PresenceEvent>> presenceListeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService gatewayThread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "profiled-gateway");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, FleetProfile> profiles = new ConcurrentHashMap<>();
  private final Map<String, Duration> holds = new ConcurrentHashMap<>();
  private final Set<String> connected = ConcurrentHashMap.newKeySet();
  private final AtomicLong offers = new AtomicLong();
  private final AtomicLong offersToOffline = new AtomicLong();

  /**
   * @param simulatedMinute the real time that stands for one minute of a slow device's update
   */
  ProfiledGateway(Duration simulatedMinute) {
    this.simulatedMinute = simulatedMinute;
  }

  /** From now on, devices of {@code fleet} behave as {@code profile} says. */
  void profile(String fleet, FleetProfile profile) {
    profiles.put(fleet, profile);
  }

  /**
   * From now on, every device of {@code fleet} is online and holds its slot for {@code hold} of
   * real time after each offer (a long download), then reports SUCCEEDED.
   */
  void holdSlots(String fleet, Duration hold) {
    holds.put(fleet, hold);
  }

  /**
   * Each of the devices (of a profiled fleet, offline so far) connects once, at a moment drawn by
   * {@code random} evenly within {@code window} from now: it publishes its presence, online with
   * the version it runs.
   */
  void connectDuring(List<String> deviceIds, Duration window, Random random) {
    for (String deviceId : deviceIds) {
      long at = (long) (random.nextDouble() * window.toMillis());
      gatewayThread.schedule(
          () -> {
            connected.add(deviceId);
            PresenceEvent event = new PresenceEvent(deviceId, Presence.online(FLEET_VERSION));
            presenceListeners.forEach(l -> l.accept(event));
          },
          at,
          TimeUnit.MILLISECONDS);
    }
  }

  /** Offers the simulated devices have not answered yet, as {@code deviceId -> updateId}. */
  private final Map<String, String> open = new ConcurrentHashMap<>();

  /** Offers made to a device while it was offline (it never hears them). */
  long offersToOffline() {
    return offersToOffline.get();
  }

  @Override
  public void offer(Delivery delivery) {
    offers.incrementAndGet();
    String deviceId = delivery.deviceId();
    Duration hold = holdOf(deviceId);
    if (hold != null) {
      open.put(deviceId, delivery.updateId());
      answer(succeeded(delivery), hold.toMillis());
      return;
    }
    FleetProfile.Behaviour behaviour = behaviourOf(deviceId);
    if (behaviour.startsOffline() && !connected.contains(deviceId)) {
      offersToOffline.incrementAndGet();
      return;
    }
    open.put(deviceId, delivery.updateId());
    switch (behaviour) {
      case SLOW ->
          answer(succeeded(delivery), FleetProfile.slowness(deviceId, simulatedMinute).toMillis());
      case FAILS ->
          answer(
              new DeviceReport(
                  deviceId,
                  StatusReport.failure(
                      delivery.updateId(),
                      DeviceState.FAILED,
                      ErrorCode.NO_SPACE,
                      "simulated: the image does not fit",
                      FLEET_VERSION)),
              0);
      default -> answer(succeeded(delivery), 0);
    }
  }

  private Duration holdOf(String deviceId) {
    int dash = deviceId.indexOf('-');
    return dash < 0 ? null : holds.get(deviceId.substring(0, dash));
  }

  private FleetProfile.Behaviour behaviourOf(String deviceId) {
    int dash = deviceId.indexOf('-');
    FleetProfile profile = dash < 0 ? null : profiles.get(deviceId.substring(0, dash));
    return profile == null ? FleetProfile.Behaviour.SUCCEEDS_AT_ONCE : profile.of(deviceId);
  }

  private static DeviceReport succeeded(Delivery delivery) {
    return new DeviceReport(
        delivery.deviceId(),
        StatusReport.of(delivery.updateId(), DeviceState.SUCCEEDED, delivery.targetVersion()));
  }

  private void answer(DeviceReport report, long afterMillis) {
    Runnable send =
        () -> {
          open.remove(report.deviceId(), report.report().updateId());
          reportListeners.forEach(l -> l.accept(report));
        };
    if (afterMillis == 0) {
      gatewayThread.execute(send);
    } else {
      gatewayThread.schedule(send, afterMillis, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void cancel(String deviceId, String updateId) {
    open.remove(deviceId, updateId);
  }

  @Override
  public Map<String, String> openUpdates() {
    return Map.copyOf(open);
  }

  @Override
  public void onReport(Consumer<DeviceReport> listener) {
    reportListeners.add(listener);
  }

  @Override
  public void onPresence(Consumer<PresenceEvent> listener) {
    presenceListeners.add(listener);
  }

  @Override
  public void onEvent(Consumer<dev.firmament.protocol.server.DeviceEventReport> listener) {
    // The profile publishes no device events.
  }

  @Override
  public void onTelemetry(Consumer<dev.firmament.protocol.server.DeviceTelemetryReport> listener) {
    // The profile publishes no telemetry.
  }

  @Override
  public void onLedger(Consumer<dev.firmament.protocol.server.DeviceLedgerReport> listener) {
    // The profile publishes no ledger messages.
  }

  @Override
  public void sendLedger(String deviceId, dev.firmament.protocol.Command message) {
    // The profile's devices hold no ledgers.
  }

  @Override
  public void onNetwork(Consumer<dev.firmament.protocol.server.DeviceNetworkReport> listener) {
    // The profile publishes no network messages.
  }

  @Override
  public void sendNetwork(String deviceId, dev.firmament.protocol.NetworkConfig config) {
    // The profile's devices are in no network.
  }

  @Override
  public GatewayStats stats() {
    return new GatewayStats(0, 0, offers.get(), 0, 0);
  }

  @Override
  public void close() {
    gatewayThread.shutdownNow();
  }
}
