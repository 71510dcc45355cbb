package dev.firmament.launcher;

import dev.firmament.cli.Cli;
import dev.firmament.cli.DevicesCommand;
import dev.firmament.cli.FirmamentCli;
import dev.firmament.cli.FirmwareCommand;
import dev.firmament.cli.GroupsCommand;
import dev.firmament.cli.HelpOption;
import dev.firmament.cli.KeysCommand;
import dev.firmament.cli.ProductsCommand;
import dev.firmament.cli.RolloutsCommand;
import dev.firmament.cli.SimsCommand;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The launcher's {@code firmament} command: the slim CLI's commands (module {@code cli}, which talk
 * to a running API) and those that need the embedded stack (demo, server, services, fleet, chaos)
 * or the server's own code (delta, audit verify). Its exit codes and help are the slim CLI's
 * ({@link FirmamentCli}).
 */
@Command(
    name = "firmament",
    description =
        "Firmament, the OTA firmware rollout engine: run it, and drive it from a terminal.",
    footer = {
      FirmamentCli.EXIT_CODES_HEADING,
      FirmamentCli.EXIT_CODES,
      FirmamentCli.CONNECTION_HEADING,
      FirmamentCli.CONNECTION
    },
    subcommands = {
      DemoCommand.class,
      RolloutsCommand.class,
      DevicesCommand.class,
      GroupsCommand.class,
      ProductsCommand.class,
      FirmwareCommand.class,
      AuditCommands.class,
      SimsCommand.class,
      KeysCommand.class,
      ServicesCommand.class,
      ServerCommand.class,
      FleetCommand.class,
      ChaosCommand.class,
      DeltaCommands.class,
      HelpCommand.class
    })
public final class Firmament implements Callable<Integer>, Cli.Root {
  static final int OK = FirmamentCli.OK;
  static final int FAILURE = FirmamentCli.FAILURE;
  static final int USAGE = FirmamentCli.USAGE;

  @Spec CommandSpec spec;
  @Mixin HelpOption help;

  private final Cli cli;

  Firmament(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Cli cli() {
    return cli;
  }

  /** {@code firmament} alone: the usage, as a usage error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(cli.err());
    return USAGE;
  }

  public static void main(String[] args) {
    // Libraries on the class path ship their own logback.xml; until Spring applies ours, keep
    // logback's own status chatter about that out of the user's terminal.
    System.setProperty(
        "logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
    System.exit(run(Arrays.asList(args), System.getenv(), System.out, System.err));
  }

  static int run(List<String> args, PrintStream out, PrintStream err) {
    return run(args, System.getenv(), out, err);
  }

  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    return FirmamentCli.execute(commandLine(new Cli(out, err, env)), args);
  }

  /** The whole command tree, writing to the given streams. */
  static CommandLine commandLine(Cli cli) {
    return FirmamentCli.configure(new CommandLine(new Firmament(cli)), cli);
  }
}
