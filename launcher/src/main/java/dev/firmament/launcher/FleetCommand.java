package dev.firmament.launcher;

import dev.firmament.agent.DeviceSnapshot;
import dev.firmament.agent.FleetOptions;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.cli.Cli;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.cli.HelpOption;
import dev.firmament.cli.Ranges;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code firmament fleet}: the simulated fleet as a process of its own, against the services {@code
 * firmament services} runs and the API a {@code firmament server api} serves. Registers the devices
 * in the demo product (or renews the credentials of those already registered), connects them, and
 * prints every ten seconds how many run which version, until interrupted. With {@code
 * --chunk-delay} every download is slow (that many milliseconds per chunk); with {@code --report
 * FILE} it writes what each device did ({@link FleetReport}) every ten seconds and when it is
 * stopped.
 */
@Command(
    name = "fleet",
    description =
        "Register and connect a simulated fleet against the services and a running api;"
            + " --chunk-delay slows every download, --report writes what each device did to FILE.")
final class FleetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--services",
      paramLabel = "DIR",
      defaultValue = ".firmament/services",
      description = "The services' data directory (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--api",
      paramLabel = "URL",
      defaultValue = "http://127.0.0.1:8080",
      description = "The running api (default ${DEFAULT-VALUE}).")
  String apiUrl;

  @Option(names = "--devices", paramLabel = "N", defaultValue = "100", description = "1 to 10000.")
  int devices;

  @Option(names = "--prefix", paramLabel = "P", defaultValue = "sensor")
  String prefix;

  @Option(
      names = "--chunk-delay",
      paramLabel = "MS",
      defaultValue = "0",
      description = "Milliseconds every chunk of every download takes, 0 to 60000.")
  int chunkDelayMillis;

  @Option(names = "--report", paramLabel = "FILE")
  Path reportOption;

  @Mixin HelpOption help;

  @Override
  public Integer call() throws InterruptedException {
    Ranges.check(spec, "--devices", devices, 1, 10_000);
    Ranges.check(spec, "--chunk-delay", chunkDelayMillis, 0, 60_000);
    PrintStream out = Cli.of(spec).out();
    Duration chunkDelay = Duration.ofMillis(chunkDelayMillis);
    Path report = reportOption == null ? null : reportOption.toAbsolutePath();
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
