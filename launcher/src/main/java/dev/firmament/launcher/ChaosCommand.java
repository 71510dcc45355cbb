package dev.firmament.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code firmament chaos}: the fault campaign ({@link FaultCampaign}) on the production topology,
 * with its figures printed at the end. Exit code 0 when everything that must hold held, 1 when not.
 */
final class ChaosCommand {
  private ChaosCommand() {}

  static int run(List<String> args, PrintStream out) throws InterruptedException {
    int devices = 1_000;
    Integer maxInFlight = null;
    boolean small = false;
    Path dataDir = null;
    List<String> queue = new ArrayList<>(args);
    while (!queue.isEmpty()) {
      String option = queue.removeFirst();
      switch (option) {
        case "--devices" -> devices = Firmament.intValue(option, queue, 10, 10_000);
        case "--max-in-flight" -> maxInFlight = Firmament.intValue(option, queue, 1, 1000);
        case "--small" -> small = true;
        case "--data" -> dataDir = Path.of(Firmament.value(option, queue));
        default -> throw new Firmament.UsageException("unknown option '" + option + "'");
      }
    }
    FaultCampaign.Plan plan =
        small
            ? FaultCampaign.Plan.small()
            : FaultCampaign.Plan.full(
                devices, maxInFlight != null ? maxInFlight : Math.max(5, devices / 200));
    Path data;
    try {
      data = dataDir == null ? newDataDir() : dataDir;
    } catch (IOException e) {
      throw new IllegalStateException("no data directory: " + e.getMessage(), e);
    }
    out.printf("firmament chaos: %s%nfirmament chaos: data and worker logs in %s%n", plan, data);
    FaultCampaign.Outcome outcome;
    try {
      outcome = new FaultCampaign(plan, data, out).run();
    } catch (InterruptedException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("the campaign did not run: " + e, e);
    }
    outcome.print(out);
    return outcome.violations().isEmpty() ? 0 : 1;
  }

  private static Path newDataDir() throws IOException {
    Path parent = Path.of(".firmament");
    Files.createDirectories(parent);
    return Files.createTempDirectory(parent, "chaos-").toAbsolutePath();
  }
}
