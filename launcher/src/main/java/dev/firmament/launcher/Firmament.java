package dev.firmament.launcher;

import dev.firmament.delta.cli.DeltaCommand;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The {@code firmament} command. Exit codes: 0 success, 1 failure, 2 usage error. */
public final class Firmament {
  static final String USAGE =
      """
      usage: firmament <command> [options]

      commands:
        demo [--devices N] [--port P] [--max-in-flight N] [--data DIR] [--fresh] [--exit-when-done]
            Start the whole stack in one process with a simulated fleet, upload two firmware
            versions, run a rollout and watch it, then keep serving GraphQL until interrupted.
        firmware upload --product PRODUCT_ID --version VERSION [--title T] [--server URL] [--json]
                        [--token TOKEN] [--wait SECONDS | --no-wait] FILE
            Upload a firmware image to a running server and wait for its deltas (exit codes:
            0 uploaded, 1 failure, 2 usage, 3 refused, 4 version already exists, 5 uploaded but
            the delta build did not finish in time).
        audit export [--server URL] [--token TOKEN] [--output FILE]
        audit verify FILE [--public-key BASE64]
            Export the organization's audit log as JSON lines (scope audit:read), or verify an
            export offline (exit codes: 0 intact, 6 broken, naming the first bad entry).
        services [--data DIR] [--fresh] [--free-ports]
            Start only the embedded services (PostgreSQL, Temporal, S3, MQTT broker), write their
            addresses to DIR/services.properties (default .firmament/services) and print them.
        server api|workers|delta|all [--services DIR] [--port P]
            Run one production role as a process of its own against those services.
        fleet [--services DIR] [--api URL] [--devices N] [--prefix P] [--chunk-delay MS]
              [--report FILE]
            Register and connect a simulated fleet against those services and a running api;
            --chunk-delay slows every download, --report writes what each device did to FILE.
        chaos [--devices N] [--max-in-flight N] [--small] [--data DIR]
            Run the fault campaign on the production topology (two worker processes, the api,
            a simulated fleet): kill -9 workers, restart PostgreSQL and the broker, take S3 away
            for 30 s and restart the api during one rollout, then check that nothing was lost
            (exit code 0 when everything held, 1 when not).
        sims import FILE [--server URL] [--token TOKEN]
            Import SIM cards from a CSV (docs/connectivity.md): every row or none; a refused file
            prints each bad row as FILE:LINE, column C: reason (exit codes: 0 imported, 1 failure,
            2 usage, 3 refused).
        keys generate [--dir DIR]
            Generate the release signing key pair and the request-signing master key for a
            production deployment, as owner-only files in DIR (default firmament-keys); never
            overwrites a key. Prints the settings and Secret names that use them.
        delta diff OLD NEW PATCH [--format native|bsdiff40]
        delta apply OLD PATCH OUT
        delta info PATCH
            Build, apply or describe a binary delta.
      """;

  private Firmament() {}

  /**
   * What {@link #USAGE} says of one command: its lines (a command may have several, such as {@code
   * audit export} and {@code audit verify}) and the description under them; empty for a command it
   * does not name.
   */
  static String help(String command) {
    StringBuilder help = new StringBuilder();
    boolean inCommand = false;
    for (String line : USAGE.lines().toList()) {
      boolean commandLine = line.startsWith("  ") && !line.startsWith("   ");
      if (commandLine) {
        String name = line.strip().split(" ", 2)[0];
        inCommand = name.equals(command);
      }
      if (inCommand && !line.isBlank()) {
        help.append(line.substring(2)).append('\n');
      }
    }
    return help.isEmpty() ? "" : "usage: firmament " + help;
  }

  public static void main(String[] args) {
    // Libraries on the class path ship their own logback.xml; until Spring applies ours, keep
    // logback's own status chatter about that out of the user's terminal.
    System.setProperty(
        "logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
    System.exit(run(Arrays.asList(args), System.out, System.err));
  }

  static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.isEmpty() || args.getFirst().equals("help") || args.getFirst().equals("--help")) {
      out.print(USAGE);
      return args.isEmpty() ? 2 : 0;
    }
    List<String> rest = args.subList(1, args.size());
    if (rest.contains("--help") || rest.contains("-h")) {
      String help = help(args.getFirst());
      if (!help.isEmpty()) {
        out.print(help);
        return 0;
      }
    }
    try {
      return switch (args.getFirst()) {
        case "demo" -> new Demo(out).run(demoOptions(rest));
        case "delta" -> DeltaCommand.run(rest, out, err);
        case "firmware" -> FirmwareUploadCommand.run(rest, out, err);
        case "audit" -> AuditCommand.run(rest, System.getenv(), out, err);
        case "services" -> ServicesCommand.run(rest, out);
        case "server" -> ServerCommand.run(rest, out);
        case "fleet" -> FleetCommand.run(rest, out);
        case "chaos" -> ChaosCommand.run(rest, out);
        case "keys" -> KeysCommand.run(rest, out, err);
        case "sims" -> SimsCommand.run(rest, System.getenv(), out, err);
        default -> {
          err.println("firmament: unknown command '" + args.getFirst() + "'");
          err.print(USAGE);
          yield 2;
        }
      };
    } catch (UsageException e) {
      err.println("firmament: " + e.getMessage());
      err.print(USAGE);
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } catch (RuntimeException e) {
      err.println("firmament: " + e.getMessage());
      return 1;
    }
  }

  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  static Demo.Options demoOptions(List<String> args) {
    int devices = 100;
    int port = 8080;
    int maxInFlight = 25;
    boolean fresh = false;
    boolean exitWhenDone = false;
    boolean freePorts = false;
    Path dataDir = Path.of(".firmament", "data");
    List<String> queue = new ArrayList<>(args);
    while (!queue.isEmpty()) {
      String option = queue.removeFirst();
      switch (option) {
        case "--devices" -> devices = intValue(option, queue, 1, 10_000);
        case "--port" -> port = intValue(option, queue, 0, 65_535);
        case "--max-in-flight" -> maxInFlight = intValue(option, queue, 1, 1000);
        case "--data" -> dataDir = Path.of(value(option, queue));
        case "--fresh" -> fresh = true;
        case "--exit-when-done" -> exitWhenDone = true;
        case "--free-ports" -> freePorts = true;
        default -> throw new UsageException("unknown option '" + option + "'");
      }
    }
    return new Demo.Options(devices, port, fresh, dataDir, maxInFlight, exitWhenDone, freePorts);
  }

  static String value(String option, List<String> queue) {
    if (queue.isEmpty()) {
      throw new UsageException(option + " needs a value");
    }
    return queue.removeFirst();
  }

  static int intValue(String option, List<String> queue, int min, int max) {
    String raw = value(option, queue);
    try {
      int v = Integer.parseInt(raw);
      if (v < min || v > max) {
        throw new UsageException(option + " must be between " + min + " and " + max);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new UsageException(option + " needs a whole number, got '" + raw + "'");
    }
  }
}
