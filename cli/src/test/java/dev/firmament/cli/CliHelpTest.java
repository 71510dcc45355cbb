package dev.firmament.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.HelpCommand;

/**
 * Every command of the slim CLI, found by walking its command tree, answers {@code --help} (and
 * {@code -h}) with its usage and exit code 0; the root's help documents the exit codes and where
 * the server and the token come from.
 */
class CliHelpTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(List<String> args) {
    return FirmamentCli.run(
        args,
        Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  /** Every command below the root by its words ("rollouts results"), aliases included. */
  static Stream<String> commands() {
    Cli cli = new Cli(System.out, System.err, Map.of());
    List<String> commands = new ArrayList<>();
    walk(FirmamentCli.configure(new CommandLine(new FirmamentCli(cli)), cli), "", commands);
    return commands.stream();
  }

  private static void walk(CommandLine at, String prefix, List<String> into) {
    at.getSubcommands()
        .forEach(
            (word, sub) -> {
              if (sub.getCommandSpec().userObject() instanceof HelpCommand) {
                return;
              }
              String command = prefix + word;
              into.add(command);
              walk(sub, command + " ", into);
            });
  }

  @Test
  void theTreeHoldsEveryCommandOfTheIssue() {
    assertThat(commands().toList())
        .contains(
            "rollouts create",
            "rollouts list",
            "rollouts show",
            "rollouts watch",
            "rollouts approve",
            "rollouts pause",
            "rollouts resume",
            "rollouts promote",
            "rollouts cancel",
            "rollouts retry-failed",
            "rollouts results",
            "rollout results",
            "devices list",
            "devices show",
            "devices register",
            "device show",
            "groups create",
            "groups add",
            "groups remove",
            "group add",
            "products list",
            "product list",
            "firmware list",
            "firmware upload",
            "firmware invalidate",
            "keys generate",
            "audit export",
            "sims import")
        .doesNotContain("demo", "server", "services", "fleet", "chaos", "delta", "audit verify");
  }

  @ParameterizedTest
  @MethodSource("commands")
  void everyCommandAnswersHelpWithItsUsage(String command) {
    List<String> args = new ArrayList<>(List.of(command.split(" ")));
    args.add("--help");
    assertThat(run(args)).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String usage = out.toString(StandardCharsets.UTF_8);
    // An alias prints its command's usage under the command's own name.
    String canonical = canonical(command);
    assertThat(usage).startsWith("usage: firmament " + canonical);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();

    out.reset();
    args.set(args.size() - 1, "-h");
    assertThat(run(args)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(usage);
  }

  @ParameterizedTest
  @MethodSource("commands")
  void everyCommandThatTalksToTheApiTakesJsonAndTheConnectionOptions(String command) {
    CommandLine at = commandLine(command);
    if (!at.getSubcommands().isEmpty()
        || command.startsWith("keys")
        || command.startsWith("key ")
        || command.startsWith("sim")
        || command.startsWith("audit")) {
      // Groups; keys generate talks to no API; sims import and audit export print what the
      // server sends (a count, JSON lines) and their own exit codes.
      return;
    }
    assertThat(at.getCommandSpec().findOption("--json")).as(command + " --json").isNotNull();
    for (String option : List.of("--server", "--token", "--profile")) {
      assertThat(at.getCommandSpec().findOption(option)).as(command + " " + option).isNotNull();
    }
  }

  @ParameterizedTest
  @MethodSource("commands")
  void everyCommandCanAnswerInJson(String command) {
    CommandLine at = commandLine(command);
    if (!at.getSubcommands().isEmpty() || command.startsWith("help")) {
      return;
    }
    assertThat(at.getCommandSpec().findOption("--json")).as(command + " --json").isNotNull();
  }

  @Test
  void theRootHelpDocumentsTheExitCodesAndTheProfile() {
    assertThat(run(List.of("--help"))).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .startsWith("usage: firmament")
        .contains(
            "exit codes:",
            "0  success",
            "1  failure",
            "2  usage error",
            "FIRMAMENT_TOKEN",
            "FIRMAMENT_SERVER",
            "FIRMAMENT_PROFILE",
            "FIRMAMENT_CONFIG",
            "~/.config/firmament/config.properties",
            "profile.NAME.token",
            "firmament rollouts results",
            "firmament groups create");
  }

  @Test
  void noCommandOrAnUnknownOneIsAUsageError() {
    assertThat(run(List.of())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("usage: firmament");
    err.reset();
    assertThat(run(List.of("demo", "--help"))).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'demo'");
  }

  private static CommandLine commandLine(String command) {
    Cli cli = new Cli(System.out, System.err, Map.of());
    CommandLine at = FirmamentCli.configure(new CommandLine(new FirmamentCli(cli)), cli);
    for (String word : command.split(" ")) {
      at = at.getSubcommands().get(word);
    }
    return at;
  }

  private static String canonical(String command) {
    return commandLine(command).getCommandSpec().qualifiedName().substring("firmament ".length());
  }
}
