package dev.firmament.agent.bench;

import dev.firmament.agent.FleetOptions;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.agent.broker.HiveMqTestBroker;
import dev.firmament.agent.broker.MosquittoTestBroker;
import dev.firmament.agent.broker.TestBroker;
import dev.firmament.delta.DeltaDiffer;
import dev.firmament.manifest.Sha256;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.server.ArtifactSource;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.GatewayOptions;
import dev.firmament.protocol.server.MqttDeviceGateway;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Benchmark, not a test: N simulated devices receive one delta through one gateway. Prints wall
 * time, bytes per second and CPU time: this JVM's (agents, gateway and, for HiveMQ, the broker),
 * the gateway's own threads, and the broker process's when it is mosquitto.
 *
 * <p>Usage: {@code DeviceDeliveryBench [devices=10000] [broker=mosquitto|hivemq]}; see {@code
 * bench/devices/run.sh}.
 */
public final class DeviceDeliveryBench {

  private DeviceDeliveryBench() {}

  public static void main(String[] args) throws Exception {
    int devices = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    String brokerKind = args.length > 1 ? args[1] : "mosquitto";
    Path dir = Files.createTempDirectory("firmament-devices-bench");

    // A synthetic pair: 256 KiB of pseudo-random image, 28 KiB of it rewritten in 7 places. The
    // rewritten bytes do not compress, so the patch is about 30 KB.
    Random random = new Random(42);
    byte[] oldImage = new byte[256 * 1024];
    random.nextBytes(oldImage);
    byte[] newImage = oldImage.clone();
    for (int region = 0; region < 7; region++) {
      int at = 4096 + region * 36 * 1024;
      byte[] fresh = new byte[4 * 1024];
      random.nextBytes(fresh);
      System.arraycopy(fresh, 0, newImage, at, fresh.length);
    }
    byte[] patch = DeltaDiffer.diff(oldImage, newImage).patch();
    String sha = Sha256.hex(newImage);
    System.out.printf(
        "bench: %d devices, image %d bytes, delta %d bytes, broker %s, %d CPUs%n",
        devices,
        newImage.length,
        patch.length,
        brokerKind,
        Runtime.getRuntime().availableProcessors());

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (TestBroker broker =
            brokerKind.equals("hivemq")
                ? HiveMqTestBroker.start(dir)
                : MosquittoTestBroker.startOrSkip(dir);
        MqttDeviceGateway gateway =
            MqttDeviceGateway.connect(
                GatewayOptions.of(broker.url()).withStallTimeout(Duration.ofSeconds(30)))) {
      ProcessHandle brokerProcess =
          broker instanceof MosquittoTestBroker m ? m.process() : ProcessHandle.current();
      Map<String, DeviceState> outcomes = new ConcurrentHashMap<>();
      AtomicInteger succeeded = new AtomicInteger();
      gateway.onReport(
          r -> {
            if (r.report().state().isTerminal()
                && outcomes.put(r.deviceId(), r.report().state()) == null
                && r.report().state() == DeviceState.SUCCEEDED) {
              succeeded.incrementAndGet();
            }
          });

      long connectStart = System.nanoTime();
      try (FleetSimulator fleet =
          FleetSimulator.start(
              broker.url(),
              SimulatedDeviceSpec.numbered("bench", devices, "1.0.0", oldImage),
              FleetOptions.defaults()
                  .withConnectTimeout(Duration.ofMinutes(5))
                  .withProgress(
                      p -> {
                        if (p.connected() % Math.max(1, devices / 5) == 0) {
                          System.out.printf("bench: %d/%d connected%n", p.connected(), p.total());
                        }
                      }))) {
        long connected = System.nanoTime();
        System.out.printf(
            "bench: fleet connected in %.1f s; idle 5 s%n", (connected - connectStart) / 1e9);
        Thread.sleep(5_000);

        long cpu0 = os.getProcessCpuTime();
        long gatewayCpu0 = gatewayCpu(threads);
        long brokerCpu0 = cpuNanos(brokerProcess);
        long start = System.nanoTime();
        for (String id : fleet.deviceIds()) {
          gateway.offer(
              new Delivery(
                  id,
                  "bench/" + id,
                  "2.0.0",
                  new Artifact(ArtifactKind.DELTA, "1.0.0", patch.length, sha, 4096),
                  ArtifactSource.ofBytes(patch)));
        }
        long nextProgress = System.nanoTime();
        while (outcomes.size() < devices) {
          if (System.nanoTime() >= nextProgress) {
            System.out.printf(
                "bench: %6.1f s  %d/%d done, %d succeeded, %,d bytes sent%n",
                (System.nanoTime() - start) / 1e9,
                outcomes.size(),
                devices,
                succeeded.get(),
                gateway.stats().bytesSent());
            nextProgress += 2_000_000_000L;
          }
          if (System.nanoTime() - start > Duration.ofMinutes(15).toNanos()) {
            throw new IllegalStateException("not done after 15 minutes: " + gateway.stats());
          }
          Thread.sleep(50);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        double gatewayCpu = (gatewayCpu(threads) - gatewayCpu0) / 1e9;
        double brokerCpu = (cpuNanos(brokerProcess) - brokerCpu0) / 1e9;
        long bytes = gateway.stats().bytesSent();
        Runtime rt = Runtime.getRuntime();
        System.out.printf(
            "bench: RESULT devices=%d succeeded=%d delta=%d B wall=%.1f s bytes=%,d"
                + " rate=%.2f MB/s (%.0f devices/s) jvmCpu=%.1f s gatewayThreadsCpu=%.1f s"
                + " brokerCpu=%s heapUsed=%d MB%n",
            devices,
            succeeded.get(),
            patch.length,
            wall,
            bytes,
            bytes / wall / 1e6,
            devices / wall,
            cpu,
            gatewayCpu,
            broker instanceof MosquittoTestBroker
                ? String.format("%.1f s (mosquitto process)", brokerCpu)
                : "in the JVM figure (embedded HiveMQ)",
            (rt.totalMemory() - rt.freeMemory()) >> 20);
      }
    }
  }

  /** CPU time of the gateway's own event-loop and listener threads. */
  private static long gatewayCpu(ThreadMXBean threads) {
    long total = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("firmament-gateway")) {
        total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return total;
  }

  private static long cpuNanos(ProcessHandle process) {
    return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }
}
