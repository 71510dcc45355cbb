package dev.firmament.launcher;

import dev.firmament.launcher.GraphqlClient.GraphqlException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code firmament} command: one picocli subcommand per resource or role, each with typed
 * options and a generated {@code --help}.
 *
 * <p>Exit codes, for every command: 0 success, 1 failure (an API error prints the error's message
 * and its {@code extensions.code}), 2 usage error (one line naming the bad argument). Some commands
 * add their own (documented in their help): {@code firmware upload}, {@code audit}, {@code sims}.
 */
@Command(
    name = "firmament",
    description =
        "Firmament, the OTA firmware rollout engine: run it, and drive it from a terminal.",
    subcommands = {
      DemoCommand.class,
      RolloutsCommand.class,
      DevicesCommand.class,
      FirmwareCommand.class,
      AuditCommand.class,
      SimsCommand.class,
      KeysCommand.class,
      ServicesCommand.class,
      ServerCommand.class,
      FleetCommand.class,
      ChaosCommand.class,
      DeltaCommands.class,
      HelpCommand.class
    })
public final class Firmament implements Callable<Integer> {
  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;

  @Spec CommandSpec spec;
  @Mixin HelpOption help;

  private final Cli cli;

  Firmament(Cli cli) {
    this.cli = cli;
  }

  Cli cli() {
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
    CommandLine commandLine = commandLine(new Cli(out, err, env));
    // Picocli answers --help even after an unknown command word; an unknown command is a usage
    // error whatever follows it.
    CommandLine at = commandLine;
    for (String arg : args) {
      if (arg.startsWith("-")
          || at.getSubcommands().isEmpty()
          || !at.getCommandSpec().positionalParameters().isEmpty()) {
        break;
      }
      CommandLine sub = at.getSubcommands().get(arg);
      if (sub == null) {
        String name = at.getCommandSpec().qualifiedName();
        err.println(name + ": unknown command '" + arg + "' (see '" + name + " --help')");
        return USAGE;
      }
      at = sub;
    }
    return commandLine.execute(args.toArray(String[]::new));
  }

  /** The whole command tree, writing to the given streams. */
  static CommandLine commandLine(Cli cli) {
    CommandLine commandLine = new CommandLine(new Firmament(cli));
    commandLine.setOut(new PrintWriter(cli.out(), true));
    commandLine.setErr(new PrintWriter(cli.err(), true));
    // Options take their value as the next argument, as the commands always did.
    commandLine.setSeparator(" ");
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setUsageHelpWidth(100);
    commandLine.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine failed = e.getCommandLine();
          failed
              .getErr()
              .println(
                  failed.getCommandSpec().qualifiedName()
                      + ": "
                      + usageMessage(e)
                      + " (see '"
                      + failed.getCommandSpec().qualifiedName()
                      + " --help')");
          return USAGE;
        });
    commandLine.setExecutionExceptionHandler(
        (e, failed, parseResult) -> {
          String name = failed.getCommandSpec().qualifiedName();
          return switch (e) {
            case GraphqlException g -> {
              failed.getErr().println(name + ": " + g.detail() + " (" + g.code() + ")");
              yield FAILURE;
            }
            case UsageException u -> {
              failed.getErr().println(name + ": " + u.getMessage());
              yield USAGE;
            }
            case InterruptedException i -> {
              Thread.currentThread().interrupt();
              yield FAILURE;
            }
            default -> {
              failed.getErr().println(name + ": " + e.getMessage());
              yield FAILURE;
            }
          };
        });
    styleHelp(commandLine);
    return commandLine;
  }

  /** Picocli's message on one line; an unknown subcommand is called that. */
  private static String usageMessage(ParameterException e) {
    CommandLine at = e.getCommandLine();
    if (e instanceof UnmatchedArgumentException unmatched
        && !at.getSubcommands().isEmpty()
        && at.getCommandSpec().positionalParameters().isEmpty()
        && !unmatched.getUnmatched().isEmpty()
        && !unmatched.getUnmatched().getFirst().startsWith("-")) {
      return "unknown command '" + unmatched.getUnmatched().getFirst() + "'";
    }
    return String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", " ").strip();
  }

  /**
   * Every command's help starts with {@code usage: }; a command with subcommands lists the full
   * synopsis and the first description line of every command below it, so that {@code firmament
   * --help} shows every command's options, as the hand-written usage did.
   */
  private static void styleHelp(CommandLine commandLine) {
    commandLine.getCommandSpec().usageMessage().synopsisHeading("usage: ");
    commandLine.getCommandSpec().usageMessage().sortOptions(false).sortSynopsis(false);
    if (!commandLine.getSubcommands().isEmpty()) {
      commandLine.getCommandSpec().usageMessage().commandListHeading("%ncommands:%n");
      commandLine
          .getHelpSectionMap()
          .put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Firmament::commandList);
    }
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      styleHelp(sub);
    }
  }

  private static String commandList(Help help) {
    StringBuilder list = new StringBuilder();
    leaves(help, list);
    return list.toString();
  }

  private static void leaves(Help help, StringBuilder list) {
    for (Map.Entry<String, Help> entry : help.subcommands().entrySet()) {
      Help sub = entry.getValue();
      if (sub.commandSpec().userObject() instanceof HelpCommand) {
        continue;
      }
      if (!sub.subcommands().isEmpty()) {
        leaves(sub, list);
        continue;
      }
      list.append("  ").append(sub.synopsis(0).stripTrailing()).append('\n');
      String[] description = sub.commandSpec().usageMessage().description();
      if (description.length > 0) {
        wrap(
            firstSentence(description[0]),
            "      ",
            help.commandSpec().usageMessage().width(),
            list);
      }
    }
  }

  /**
   * Appends {@code text} in lines of at most {@code width} characters, each after {@code indent}.
   */
  static void wrap(String text, String indent, int width, StringBuilder into) {
    StringBuilder line = new StringBuilder(indent);
    for (String word : text.split(" ")) {
      if (line.length() > indent.length() && line.length() + 1 + word.length() > width) {
        into.append(line).append('\n');
        line = new StringBuilder(indent);
      }
      if (line.length() > indent.length()) {
        line.append(' ');
      }
      line.append(word);
    }
    into.append(line).append('\n');
  }

  private static String firstSentence(String text) {
    int end = text.indexOf(". ");
    return end < 0 ? text : text.substring(0, end + 1);
  }

  /** A usage error found while a command runs: exit code 2 with its message. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
