package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.cli.Cli;
import dev.firmament.cli.FirmamentCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code --help} after any command or subcommand prints that command's usage and succeeds. */
class FirmamentHelpTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Firmament.run(
        List.of(args),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void firmwareUploadHelpPrintsTheUploadUsageAndExitsZero() {
    assertThat(run("firmware", "upload", "--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .startsWith("usage: firmament firmware upload --product PRODUCT_ID --version VERSION")
        .contains("Upload a firmware image to a running server")
        .doesNotContain("audit export");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void aCommandOfSeveralLinesPrintsThemAll() {
    assertThat(run("audit", "-h")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains(
            "audit export [--server URL]",
            "audit verify [--public-key BASE64] FILE",
            "Verify an audit export offline")
        .doesNotContain("services [--data DIR]");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "demo",
        "firmware",
        "audit",
        "services",
        "server",
        "fleet",
        "chaos",
        "sims",
        "keys",
        "delta",
        "rollouts",
        "devices",
        "firmware list",
        "rollouts list",
        "rollouts create",
        "rollouts show",
        "rollouts watch",
        "rollouts approve",
        "rollouts pause",
        "rollouts resume",
        "rollouts promote",
        "rollouts cancel",
        "rollouts retry-failed",
        "rollouts override-data-cap",
        "devices list",
        "devices show",
        "devices register",
        "groups",
        "groups list",
        "groups create",
        "groups add",
        "groups remove",
        "products",
        "products list",
        "firmware invalidate",
        "rollouts results",
        "audit export",
        "audit verify",
        "sims import",
        "keys generate",
        "delta diff",
        "delta apply",
        "delta info"
      })
  void everyCommandHasHelp(String command) {
    List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
    args.add("--help");
    assertThat(run(args.toArray(String[]::new))).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: firmament " + command);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void theLauncherKeepsEveryCommandOfTheSlimCli() {
    Cli cli = new Cli(System.out, System.err, Map.of());
    CommandLine slim = FirmamentCli.configure(new CommandLine(new FirmamentCli(cli)), cli);
    CommandLine launcher = Firmament.commandLine(cli);
    assertThat(words(launcher)).containsAll(words(slim));
    assertThat(words(launcher))
        .contains("demo", "server", "services", "fleet", "chaos", "delta diff", "audit verify");
  }

  @Test
  void theRootHelpDocumentsTheExitCodes() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("exit codes:", "0  success", "2  usage error", "FIRMAMENT_TOKEN", "--profile");
  }

  /** Every command of the tree by its words, aliases included. */
  private static List<String> words(CommandLine root) {
    List<String> words = new ArrayList<>();
    walk(root, "", words);
    return words;
  }

  private static void walk(CommandLine at, String prefix, List<String> into) {
    at.getSubcommands()
        .forEach(
            (word, sub) -> {
              into.add(prefix + word);
              walk(sub, prefix + word + " ", into);
            });
  }

  @Test
  void anUnknownCommandWithHelpIsStillAUsageError() {
    assertThat(run("nonsense", "--help")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'nonsense'");
  }
}
