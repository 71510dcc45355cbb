package dev.firmament.launcher;

import dev.firmament.agent.DeviceSnapshot;
import dev.firmament.agent.FleetSimulator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * prints every ten seconds how many run which version, until interrupted.
 */
final class FleetCommand {
  private FleetCommand() {}

  static int run(List<String> args, PrintStream out) throws InterruptedException {
    Path dataDir = ServicesCommand.DEFAULT_DATA;
    String apiUrl = "http://127.0.0.1:8080";
    int devices = 100;
    String prefix = "sensor";
    List<String> queue = new ArrayList<>(args);
    while (!queue.isEmpty()) {
      String option = queue.removeFirst();
      switch (option) {
        case "--services" -> dataDir = Path.of(Firmament.value(option, queue));
        case "--api" -> apiUrl = Firmament.value(option, queue);
        case "--devices" -> devices = Firmament.intValue(option, queue, 1, 10_000);
        case "--prefix" -> prefix = Firmament.value(option, queue);
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
    try (FleetSimulator fleet =
        FleetSimulator.start(
            ServicesFile.required(services, "firmament.mqtt.url", file),
            prepared.devices(),
            Demo.fleetOptions(
                ServicesFile.required(services, "firmament.signing.public-key", file),
                prepared.productId()))) {
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "fleet-shutdown"));
      do {
        out.printf("firmament fleet: %s%n", summary(fleet.devices()));
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
