package dev.firmament.cli;

import dev.firmament.cli.GraphqlClient.GraphqlException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * The slim {@code firmament} command: the commands that drive a running API over HTTP, without the
 * embedded servers the launcher carries (its root command has these and its own). One picocli
 * subcommand per resource, each with typed options and a generated {@code --help}.
 *
 * <p>Exit codes, for every command: 0 success, 1 failure (an API error prints the error's message
 * and its {@code extensions.code}), 2 usage error (one line naming the bad argument). Some commands
 * add their own (documented in their help): {@code firmware upload}, {@code audit}, {@code sims},
 * and {@code rollouts watch} exits by the rollout's outcome.
 */
@Command(
    name = "firmament",
    description = "Firmament's command line for release engineers: drive a running Firmament API.",
    footer = {
      FirmamentCli.EXIT_CODES_HEADING,
      FirmamentCli.EXIT_CODES,
      FirmamentCli.CONNECTION_HEADING,
      FirmamentCli.CONNECTION
    },
    subcommands = {
      RolloutsCommand.class,
      DevicesCommand.class,
      GroupsCommand.class,
      ProductsCommand.class,
      FirmwareCommand.class,
      AuditCommand.class,
      SimsCommand.class,
      KeysCommand.class,
      HelpCommand.class
    })
public final class FirmamentCli implements Callable<Integer>, Cli.Root {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;

  /** The root commands' help footer: the exit codes (docs/cli.md says the same). */
  public static final String EXIT_CODES_HEADING = "%nexit codes:";

  public static final String EXIT_CODES =
      "  0  success%n"
          + "  1  failure: the API refused or failed (its message and code, such as"
          + " UNAUTHENTICATED,%n"
          + "     FORBIDDEN or NOT_FOUND, on stderr), or the server cannot be reached;"
          + " 'rollouts watch':%n"
          + "     the rollout ended other than SUCCEEDED%n"
          + "  2  usage error: one line naming the bad argument%n"
          + "  'firmware upload', 'audit' and 'sims' add codes of their own (see their --help).";

  /** The root commands' help footer: where the server and the token come from. */
  public static final String CONNECTION_HEADING =
      "%nserver and token, each from the first that has it:";

  public static final String CONNECTION =
      "  --server, --token%n"
          + "  the environment variables "
          + Cli.SERVER_VARIABLE
          + ", "
          + Cli.TOKEN_VARIABLE
          + "%n"
          + "  profile.NAME.server, profile.NAME.token in the config file, where NAME is"
          + " --profile,%n"
          + "    else "
          + Cli.PROFILE_VARIABLE
          + ", else default; the file is "
          + Cli.CONFIG_VARIABLE
          + ", else%n"
          + "    "
          + ApiConfig.DEFAULT_PATH
          + "%n"
          + "  the server "
          + ApiOptions.DEFAULT_SERVER
          + "%n"
          + "Every command takes -h or --help; see docs/cli.md.";

  @Spec CommandSpec spec;
  @Mixin HelpOption help;

  private final Cli cli;

  public FirmamentCli(Cli cli) {
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
    System.exit(run(Arrays.asList(args), System.getenv(), System.out, System.err));
  }

  public static int run(
      List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    Cli cli = new Cli(out, err, env);
    return execute(configure(new CommandLine(new FirmamentCli(cli)), cli), args);
  }

  /**
   * Runs a command tree built by {@link #configure}. Picocli answers --help even after an unknown
   * command word; an unknown command is a usage error whatever follows it.
   */
  public static int execute(CommandLine commandLine, List<String> args) {
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
        at.getErr().println(name + ": unknown command '" + arg + "' (see '" + name + " --help')");
        return USAGE;
      }
      at = sub;
    }
    return commandLine.execute(args.toArray(String[]::new));
  }

  /**
   * Configures a whole command tree (the slim CLI's or the launcher's): its streams, the exit codes
   * of usage errors and of failures, and the help's layout.
   */
  public static CommandLine configure(CommandLine commandLine, Cli cli) {
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
   * --help} shows every command's options.
   */
  private static void styleHelp(CommandLine commandLine) {
    commandLine.getCommandSpec().usageMessage().synopsisHeading("usage: ");
    commandLine.getCommandSpec().usageMessage().sortOptions(false).sortSynopsis(false);
    if (!commandLine.getSubcommands().isEmpty()) {
      commandLine.getCommandSpec().usageMessage().commandListHeading("%ncommands:%n");
      commandLine
          .getHelpSectionMap()
          .put(
              CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
              FirmamentCli::commandList);
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
    Set<CommandSpec> seen = new HashSet<>();
    for (Help sub : help.subcommands().values()) {
      if (sub.commandSpec().userObject() instanceof HelpCommand || !seen.add(sub.commandSpec())) {
        // The help command, and a command again under one of its aliases.
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
  public static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
      super(message);
    }
  }
}
