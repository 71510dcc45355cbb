package dev.firmament.launcher;

import dev.firmament.cli.Cli;
import dev.firmament.cli.HelpOption;
import dev.firmament.cli.Ranges;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code firmament chaos}: the fault campaign ({@link FaultCampaign}) on the production topology,
 * with its figures printed at the end. Exit code 0 when everything that must hold held, 1 when not.
 */
@Command(
    name = "chaos",
    description =
        "Run the fault campaign on the production topology (two worker processes, the api, a"
            + " simulated fleet): kill -9 workers, restart PostgreSQL and the broker, take S3 away"
            + " for 30 s and restart the api during one rollout, then check that nothing was lost"
            + " (exit code 0 when everything held, 1 when not).")
final class ChaosCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--devices",
      paramLabel = "N",
      defaultValue = "1000",
      description = "10 to 10000.")
  int devices;

  @Option(names = "--max-in-flight", paramLabel = "N", description = "1 to 1000.")
  Integer maxInFlight;

  @Option(names = "--small", description = "The small campaign the tests run.")
  boolean small;

  @Option(names = "--data", paramLabel = "DIR")
  Path dataDir;

  @Mixin HelpOption help;

  @Override
  public Integer call() throws InterruptedException {
    Ranges.check(spec, "--devices", devices, 10, 10_000);
    if (maxInFlight != null) {
      Ranges.check(spec, "--max-in-flight", maxInFlight, 1, 1000);
    }
    PrintStream out = Cli.of(spec).out();
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
