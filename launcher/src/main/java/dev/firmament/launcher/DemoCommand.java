package dev.firmament.launcher;

import dev.firmament.cli.Cli;
import dev.firmament.cli.HelpOption;
import dev.firmament.cli.Ranges;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code firmament demo}: the whole stack in one process, a simulated fleet and a rollout. */
@Command(
    name = "demo",
    description =
        "Start the whole stack in one process with a simulated fleet, upload two firmware versions,"
            + " run a rollout and watch it, then keep serving GraphQL until interrupted.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--devices", paramLabel = "N", defaultValue = "100", description = "1 to 10000.")
  int devices;

  @Option(names = "--port", paramLabel = "P", defaultValue = "8080", description = "The API port.")
  int port;

  @Option(
      names = "--max-in-flight",
      paramLabel = "N",
      defaultValue = "25",
      description = "Devices updating at once, 1 to 1000.")
  int maxInFlight;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = ".firmament/data")
  Path dataDir;

  @Option(names = "--fresh", description = "Start from empty data.")
  boolean fresh;

  @Option(names = "--exit-when-done", description = "Stop once the rollout ended.")
  boolean exitWhenDone;

  @Option(names = "--free-ports", description = "Run every service on a free port.")
  boolean freePorts;

  @Mixin HelpOption help;

  @Override
  public Integer call() throws InterruptedException {
    Ranges.check(spec, "--devices", devices, 1, 10_000);
    Ranges.check(spec, "--port", port, 0, 65_535);
    Ranges.check(spec, "--max-in-flight", maxInFlight, 1, 1000);
    return new Demo(Cli.of(spec).out())
        .run(new Demo.Options(devices, port, fresh, dataDir, maxInFlight, exitWhenDone, freePorts));
  }
}
