package dev.firmament.launcher;

import dev.firmament.agent.DeviceSnapshot;
import dev.firmament.agent.FleetOptions;
import dev.firmament.agent.FleetSimulator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code firmament fleet}: the simulated fleet as a process of its own, against the services {@code
 * firmament services} runs and the API a {@code firmament server api} serves. Registers the devices
 * in the demo product (or renews the credentials of those already registered), connects them, and
 * prints every ten seconds how many run which version, until interrupted. With {@code
 * --chunk-delay} every download is slow (that many milliseconds per chunk); with {@code --report
 * FILE} it writes what each device did ({@link FleetReport}) every ten seconds and when it is
 * stopped.
 */
final class FleetCommand {
  private FleetCommand() {}

  static int run(List<String> args, PrintStream out) throws InterruptedException {
    Path dataDir = ServicesCommand.DEFAULT_DATA;
    String apiUrl = "http://127.0.0.1:8080";
    int devices = 100;
    String prefix = "sensor";
    Duration chunkDelay = Duration.ZERO;
    Path report = null;
    List<String> queue = new ArrayList<>(args);
    while (!queue.isEmpty()) {
      String option = queue.removeFirst();
      switch (option) {
        case "--services" -> dataDir = Path.of(Firmament.value(option, queue));
        case "--api" -> apiUrl = Firmament.value(option, queue);
        case "--devices" -> devices = Firmament.intValue(option, queue, 1, 10_000);
        case "--prefix" -> prefix = Firmament.value(option, queue);
        case "--chunk-delay" ->
            chunkDelay = Duration.ofMillis(Firmament.intValue(option, queue, 0, 60_000));
        case "--report" -> report = Path.of(Firmament.value(option, queue)).toAbsolutePath();
        default -> throw new Firmament.UsageException("unknown option '" + option + "'");
      }
    }
    Path file = ServicesFile.in(dataDir.toAbsolutePath());
    Map<String, String> services = ServicesFile.read(file);
    String token =
        readToken(Path.of(ServicesFile.required(services, "firmament.bootstrap.token-file", file)));
    GraphqlClient api = new GraphqlClient(apiUrl.replaceAll("/+$", "") + "/graphql", token);
    Demo demo = new Demo(out);
    Demo.Prepared prepared = demo.prepareProduct(api, Demo.fleetSpecs(prefix, devices));
    out.printf(
        "firmament fleet: connecting %d devices of product %s%n", devices, prepared.productId());
    FleetOptions options =
        Demo.fleetOptions(
            ServicesFile.required(services, "firmament.signing.public-key", file),
            prepared.productId());
    if (chunkDelay.isPositive()) {
      options = options.withSlowLink(1.0, chunkDelay);
    }
    try (FleetSimulator fleet =
        FleetSimulator.start(
            ServicesFile.required(services, "firmament.mqtt.url", file),
            prepared.devices(),
            options)) {
      CountDownLatch stopped = new CountDownLatch(1);
      Path reportFile = report;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    // The last word on what the devices did, written before the process ends.
                    if (reportFile != null) {
                      FleetReport.write(reportFile, fleet.devices());
                    }
                    stopped.countDown();
                  },
                  "fleet-shutdown"));
      do {
        List<DeviceSnapshot> now = fleet.devices();
        if (report != null) {
          FleetReport.write(report, now);
        }
        out.printf("firmament fleet: %s%n", summary(now));
      } while (!stopped.await(10, TimeUnit.SECONDS));
    }
    return 0;
  }

  /** How many devices are connected, and how many run each version. */
  static String summary(List<DeviceSnapshot> devices) {
    long connected = devices.stream().filter(DeviceSnapshot::connected).count();
    Map<String, Long> versions =
        devices.stream()
            .collect(
                Collectors.groupingBy(
                    DeviceSnapshot::currentVersion, TreeMap::new, Collectors.counting()));
    return connected + "/" + devices.size() + " connected, versions " + versions;
  }

  private static String readToken(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the owner token from " + file + ": start 'firmament server api' first", e);
    }
  }
}
