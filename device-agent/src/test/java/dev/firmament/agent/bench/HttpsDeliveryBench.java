package dev.firmament.agent.bench;

import dev.firmament.agent.FleetOptions;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.agent.broker.MosquittoTestBroker;
import dev.firmament.artifact.ArtifactLinks;
import dev.firmament.artifact.S3ArtifactStore;
import dev.firmament.devstack.EmbeddedS3;
import dev.firmament.manifest.Sha256;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.DownloadLink;
import dev.firmament.protocol.server.ArtifactSource;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.DeviceReport;
import dev.firmament.protocol.server.GatewayOptions;
import dev.firmament.protocol.server.MqttDeviceGateway;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Benchmark, not a test: one fleet of simulated devices installs a full image twice, once pushed as
 * MQTT chunks by one gateway and once downloaded by the devices themselves over HTTP range requests
 * from the embedded S3 server through pre-signed links, at most {@code maxInFlight} devices at a
 * time on both paths, as a rollout's {@code maxInFlight} would. Prints, per path, the wall time,
 * the artifact bytes per second, and the CPU time of the gateway's threads (the workers' share), of
 * the S3 server's threads, of the whole JVM (devices, gateway and S3 server) and of the mosquitto
 * process.
 *
 * <p>Usage: {@code HttpsDeliveryBench [devices=10000] [imageBytes=1048576] [maxInFlight=2000]}; see
 * {@code bench/delivery/run.sh}.
 */
public final class HttpsDeliveryBench {

  /**
   * The piece size an HTTPS offer names, as the workers' {@code
   * firmament.delivery.https.piece-size} default: the device reports progress every window / 2
   * pieces.
   */
  private static final int HTTPS_PIECE = 64 * 1024;

  private HttpsDeliveryBench() {}

  public static void main(String[] args) throws Exception {
    int devices = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int imageBytes = args.length > 1 ? Integer.parseInt(args[1]) : 1 << 20;
    int maxInFlight = args.length > 2 ? Integer.parseInt(args[2]) : 2_000;
    Path dir = Files.createTempDirectory("firmament-delivery-bench");
    Random random = new Random(42);
    byte[] pushed = new byte[imageBytes];
    random.nextBytes(pushed);
    byte[] downloaded = new byte[imageBytes];
    random.nextBytes(downloaded);
    System.out.printf(
        "bench: %d devices, image %,d bytes, at most %d in flight, %d CPUs%n",
        devices, imageBytes, maxInFlight, Runtime.getRuntime().availableProcessors());

    Files.createDirectories(dir.resolve("broker"));
    try (MosquittoTestBroker broker = MosquittoTestBroker.startOrSkip(dir.resolve("broker"));
        EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3ArtifactStore store =
            S3ArtifactStore.connect(s3.endpoint(), s3.accessKey(), s3.secretKey(), "bench");
        MqttDeviceGateway gateway =
            MqttDeviceGateway.connect(
                GatewayOptions.of(broker.url()).withStallTimeout(Duration.ofSeconds(30)))) {
      String key = store.put("firmware", downloaded).storageKey();
      Map<String, DeviceReport> ends = new ConcurrentHashMap<>();
      gateway.onReport(
          r -> {
            if (r.report().state().isTerminal()) {
              ends.put(r.deviceId(), r);
            }
          });
      try (FleetSimulator fleet =
          FleetSimulator.start(
              broker.url(),
              SimulatedDeviceSpec.numbered("bench", devices, "1.0.0"),
              FleetOptions.defaults()
                  .withHttps(new FleetOptions.HttpsFleet(1.0, null))
                  .withConnectTimeout(Duration.ofMinutes(5))
                  .withProgress(
                      p -> {
                        if (p.connected() % Math.max(1, devices / 5) == 0) {
                          System.out.printf("bench: %d/%d connected%n", p.connected(), p.total());
                        }
                      }))) {
        System.out.println("bench: fleet connected; idle 5 s");
        Thread.sleep(5_000);
        Phase mqtt =
            run(
                "mqtt",
                fleet.deviceIds(),
                maxInFlight,
                gateway,
                ends,
                broker,
                id ->
                    new Delivery(
                        id,
                        "mqtt/" + id,
                        "2.0.0",
                        Artifact.full(pushed.length, Sha256.hex(pushed), 4096),
                        ArtifactSource.ofBytes(pushed)));
        ends.clear();
        Phase https =
            run(
                "https",
                fleet.deviceIds(),
                maxInFlight,
                gateway,
                ends,
                broker,
                id ->
                    new Delivery(
                        id,
                        "https/" + id,
                        "3.0.0",
                        Artifact.full(downloaded.length, Sha256.hex(downloaded), HTTPS_PIECE),
                        false,
                        null,
                        null,
                        null,
                        null,
                        () -> {
                          ArtifactLinks.Link link = store.presignGet(key, Duration.ofMinutes(30));
                          return new DownloadLink(link.url(), link.expiresAt());
                        }));
        System.out.printf(
            "bench: RATIO https/mqtt wall=%.2f gatewayCpu=%.3f brokerCpu=%.3f%n",
            https.wall / mqtt.wall,
            https.gatewayCpu / mqtt.gatewayCpu,
            https.brokerCpu / mqtt.brokerCpu);
      }
    }
  }

  private record Phase(double wall, double gatewayCpu, double brokerCpu) {}

  private static Phase run(
      String name,
      List<String> deviceIds,
      int maxInFlight,
      MqttDeviceGateway gateway,
      Map<String, DeviceReport> ends,
      MosquittoTestBroker broker,
      Function<String, Delivery> delivery)
      throws InterruptedException {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    ArrayDeque<String> waiting = new ArrayDeque<>(deviceIds);
    int total = deviceIds.size();
    long jvmCpu0 = os.getProcessCpuTime();
    long gatewayCpu0 = threadCpu(threads, "firmament-gateway");
    long s3Cpu0 = threadCpu(threads, "S3Proxy-Jetty");
    long brokerCpu0 = cpuNanos(broker.process());
    long start = System.nanoTime();
    int offered = 0;
    long nextProgress = start;
    while (ends.size() < total) {
      while (!waiting.isEmpty() && offered - ends.size() < maxInFlight) {
        gateway.offer(delivery.apply(waiting.poll()));
        offered++;
      }
      if (System.nanoTime() >= nextProgress) {
        System.out.printf(
            "bench: %s %6.1f s  %d/%d done, %d in flight, %,d bytes pushed%n",
            name,
            (System.nanoTime() - start) / 1e9,
            ends.size(),
            total,
            offered - ends.size(),
            gateway.stats().bytesSent());
        nextProgress += 5_000_000_000L;
      }
      if (System.nanoTime() - start > Duration.ofMinutes(40).toNanos()) {
        throw new IllegalStateException(name + ": not done after 40 minutes");
      }
      Thread.sleep(20);
    }
    double wall = (System.nanoTime() - start) / 1e9;
    long succeeded =
        ends.values().stream().filter(r -> r.report().state() == DeviceState.SUCCEEDED).count();
    AtomicLong served = new AtomicLong();
    AtomicLong received = new AtomicLong();
    AtomicInteger matching = new AtomicInteger();
    ends.values()
        .forEach(
            r -> {
              long s = r.served() == null ? 0 : r.served();
              long rc = r.report().received() == null ? 0 : r.report().received();
              served.addAndGet(s);
              received.addAndGet(rc);
              if (s == rc) {
                matching.incrementAndGet();
              }
            });
    double gatewayCpu = (threadCpu(threads, "firmament-gateway") - gatewayCpu0) / 1e9;
    double s3Cpu = (threadCpu(threads, "S3Proxy-Jetty") - s3Cpu0) / 1e9;
    double jvmCpu = (os.getProcessCpuTime() - jvmCpu0) / 1e9;
    double brokerCpu = (cpuNanos(broker.process()) - brokerCpu0) / 1e9;
    System.out.printf(
        "bench: RESULT path=%s devices=%d succeeded=%d wall=%.1f s bytes=%,d (device count %,d,"
            + " equal for %d devices) rate=%.1f MB/s (%.0f devices/s) gatewayThreadsCpu=%.2f s"
            + " (%.2f ms per device) s3ServerThreadsCpu=%.1f s jvmCpu=%.1f s mosquittoCpu=%.1f s%n",
        name,
        total,
        succeeded,
        wall,
        served.get(),
        received.get(),
        matching.get(),
        received.get() / wall / 1e6,
        total / wall,
        gatewayCpu,
        gatewayCpu * 1e3 / total,
        s3Cpu,
        jvmCpu,
        brokerCpu);
    return new Phase(wall, gatewayCpu, brokerCpu);
  }

  /** CPU time of the threads whose names start with {@code prefix}. */
  private static long threadCpu(ThreadMXBean threads, String prefix) {
    long total = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith(prefix)) {
        total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return total;
  }

  private static long cpuNanos(ProcessHandle process) {
    return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }
}
