package dev.firmament.agent;

import dev.firmament.protocol.BrokerAddress;
import dev.firmament.protocol.DeviceInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a fleet of simulated devices in this process against an MQTT broker.
 *
 * <pre>{@code
 * try (FleetSimulator fleet = FleetSimulator.start(
 *     broker.url(), SimulatedDeviceSpec.numbered("dev", 1_000, "1.0.0"), FleetOptions.defaults())) {
 *   // offer updates through the gateway, then inspect fleet.device("dev-00042")
 * }
 * }</pre>
 *
 * <p>All agents share one {@link AgentRuntime}, so thousands of devices need a handful of threads.
 */
public final class FleetSimulator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FleetSimulator.class);

  private final AgentRuntime runtime;
  private final Map<String, DeviceAgent> agents;
  private volatile boolean closed;

  /** What every simulated device says about itself: a two-slot board of the simulator. */
  static final DeviceInfo SIMULATED_INFO =
      new DeviceInfo("firmament-sim", "ab-2slot rev1", null, "simboot 1.0", "sim-os 1.0");

  private FleetSimulator(AgentRuntime runtime, Map<String, DeviceAgent> agents) {
    this.runtime = runtime;
    this.agents = agents;
  }

  /**
   * Creates the devices, connects them with at most {@code options.connectParallelism()} attempts
   * in flight, and returns once all are connected.
   *
   * @param mqttUrl the broker, {@code tcp://host:port} or {@code mqtt://host:port}
   * @param devices ids and initial versions; ids must be unique
   * @param options faults, threads, timing
   * @throws IllegalStateException if some device cannot connect within the connect timeout (the
   *     devices that did are disconnected again)
   */
  public static FleetSimulator start(
      String mqttUrl, List<SimulatedDeviceSpec> devices, FleetOptions options) {
    Objects.requireNonNull(devices, "devices");
    Objects.requireNonNull(options, "options");
    BrokerAddress broker = BrokerAddress.parse(mqttUrl);
    AgentRuntime runtime = AgentRuntime.create(options.threads());
    Random faultDraws = new Random(options.seed());
    Random callFaultDraws = new Random(options.seed() ^ 0x63616c6cL);
    Random resetDraws = new Random(options.seed() ^ 0x7265736574L);
    ImagePool images = new ImagePool();
    Map<String, DeviceAgent> agents = new LinkedHashMap<>();
    int index = 0;
    int singleSlots = 0;
    Random powerCuts = new Random(options.seed() ^ 0x706f776572L);
    for (SimulatedDeviceSpec spec : devices) {
      DeviceFaults faults = options.drawFaults(faultDraws, callFaultDraws, resetDraws);
      boolean https = options.https() != null && options.https().downloads(index);
      boolean singleSlot =
          options.inPlace() != null
              && spec.initialImage() != null
              && options.inPlace().singleSlot(index);
      index++;
      AgentConfig config =
          new AgentConfig(
              spec.deviceId(),
              broker,
              options.ackEvery(),
              16L << 20,
              options.rebootDelay(),
              options.reconnectDelay(),
              faults,
              options.seed() ^ spec.deviceId().hashCode(),
              spec.username(),
              spec.password(),
              options.verifier(),
              SIMULATED_INFO,
              options.cloud(),
              https ? new AgentConfig.HttpsDownloads(options.https().caFile()) : null);
      SlotStore slots;
      if (options.slotDirectory() != null) {
        slots =
            new FileSlotStore(
                options.slotDirectory().resolve(spec.deviceId()),
                spec.initialVersion(),
                spec.initialImage());
      } else if (spec.initialImage() != null) {
        slots = InMemorySlotStore.withImage(spec.initialVersion(), spec.initialImage(), images);
      } else {
        slots = InMemorySlotStore.digestOnly(spec.initialVersion());
      }
      // A device with a state directory keeps its ledgers there too, across restarts.
      LedgerStore ledgers =
          options.slotDirectory() != null
              ? new FileLedgerStore(
                  options.slotDirectory().resolve(spec.deviceId()).resolve("ledgers"))
              : LedgerStore.inMemory();
      // And its network configuration.
      NetworkStore networks =
          options.slotDirectory() != null
              ? new FileNetworkStore(
                  options.slotDirectory().resolve(spec.deviceId()).resolve("network.json"))
              : NetworkStore.inMemory();
      DeviceAgent agent;
      if (singleSlot) {
        FleetOptions.InPlaceFleet single = options.inPlace();
        InPlaceStore store =
            InPlaceStore.open(
                single.layoutFor(spec.initialImage().length),
                config.slotCapacity(),
                options.slotDirectory() == null
                    ? null
                    : options.slotDirectory().resolve(spec.deviceId()).resolve("single-slot"),
                spec.initialVersion(),
                spec.initialImage());
        boolean cut =
            Math.floor((singleSlots + 1) * single.powerCutShare())
                > Math.floor(singleSlots * single.powerCutShare());
        singleSlots++;
        if (cut) {
          // Somewhere in the first few writes of its first apply.
          store.cutPowerAtWrite(1 + powerCuts.nextInt(4));
        }
        agent = new DeviceAgent(config, store, ledgers, networks, runtime);
      } else if (faults.any()) {
        agent = FaultInjector.device(config, slots, ledgers, networks, runtime);
      } else {
        agent = new DeviceAgent(config, slots, ledgers, networks, runtime);
      }
      if (agents.put(spec.deviceId(), agent) != null) {
        runtime.close();
        throw new IllegalArgumentException("duplicate device id " + spec.deviceId());
      }
    }
    FleetSimulator fleet = new FleetSimulator(runtime, Collections.unmodifiableMap(agents));
    fleet.connectAll(options);
    if (options.eventInterval() != null) {
      Random phases = new Random(options.seed() ^ 0x6576656e74L);
      long every = options.eventInterval().toMillis();
      for (DeviceAgent agent : agents.values()) {
        agent.publishTemperatureEvery(
            options.eventInterval(), Duration.ofMillis((long) (phases.nextDouble() * every)));
      }
    }
    if (options.vitalsInterval() != null) {
      Random phases = new Random(options.seed() ^ 0x766974616cL);
      long every = options.vitalsInterval().toMillis();
      for (DeviceAgent agent : agents.values()) {
        agent.publishVitalsEvery(
            options.vitalsInterval(), Duration.ofMillis((long) (phases.nextDouble() * every)));
      }
    }
    return fleet;
  }

  private void connectAll(FleetOptions options) {
    int total = agents.size();
    Semaphore permits = new Semaphore(options.connectParallelism());
    AtomicInteger connected = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    int step = Math.max(1, total / 10);
    List<CompletableFuture<Void>> attempts = new ArrayList<>(total);
    long deadline = System.nanoTime() + options.connectTimeout().toNanos();
    try {
      for (DeviceAgent agent : agents.values()) {
        if (!permits.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          break;
        }
        attempts.add(
            agent
                .connect()
                .whenComplete(
                    (ignored, error) -> {
                      permits.release();
                      int ok = error == null ? connected.incrementAndGet() : connected.get();
                      int bad = error != null ? failed.incrementAndGet() : failed.get();
                      if (error != null) {
                        log.warn(
                            "device {} cannot connect: {}", agent.deviceId(), error.getMessage());
                      }
                      if ((ok + bad) % step == 0 || ok + bad == total) {
                        FleetProgress progress = new FleetProgress(total, ok, bad);
                        log.info("fleet: {}/{} devices connected, {} failed", ok, total, bad);
                        if (options.progress() != null) {
                          options.progress().accept(progress);
                        }
                      }
                    }));
      }
      CompletableFuture.allOf(attempts.toArray(CompletableFuture[]::new))
          .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException("interrupted while connecting the fleet", e);
    } catch (Exception e) {
      // Counted below.
    }
    if (connected.get() != total) {
      close();
      throw new IllegalStateException(
          "only "
              + connected.get()
              + " of "
              + total
              + " simulated devices connected within "
              + options.connectTimeout());
    }
  }

  /** Device ids in the order they were given. */
  public List<String> deviceIds() {
    return List.copyOf(agents.keySet());
  }

  /** Number of devices. */
  public int size() {
    return agents.size();
  }

  /**
   * The state of one device.
   *
   * @throws NoSuchElementException if the fleet has no such device
   */
  public DeviceSnapshot device(String deviceId) {
    return agent(deviceId).snapshot();
  }

  /** The state of every device, in the order they were given. */
  public List<DeviceSnapshot> devices() {
    return agents.values().stream().map(DeviceAgent::snapshot).toList();
  }

  /**
   * One device's agent, for tests that steer it (for example {@link
   * DeviceAgent#dropConnection(Duration)}).
   *
   * @throws NoSuchElementException if the fleet has no such device
   */
  public DeviceAgent agent(String deviceId) {
    DeviceAgent agent = agents.get(deviceId);
    if (agent == null) {
      throw new NoSuchElementException("no simulated device " + deviceId);
    }
    return agent;
  }

  /**
   * Disconnects every device (offline presence first), waits until their MQTT clients are down, and
   * only then stops the shared threads: the clients hand their last callbacks to those threads, so
   * stopping them first would leave the callbacks nowhere to run.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<CompletableFuture<Void>> disconnects = new ArrayList<>(agents.size());
    for (DeviceAgent agent : agents.values()) {
      disconnects.add(agent.disconnect());
    }
    // About 1 ms per device on a busy machine, never less than 10 s.
    long waitMillis = 10_000 + agents.size();
    try {
      CompletableFuture.allOf(disconnects.toArray(CompletableFuture[]::new))
          .get(waitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      long open = disconnects.stream().filter(f -> !f.isDone()).count();
      log.warn("{} simulated devices did not disconnect cleanly: {}", open, e.getMessage());
    }
    runtime.close();
  }
}
