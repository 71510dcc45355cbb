package dev.firmament.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a command's server and token come from, each from the first that has it: the option, the
 * environment, the selected profile of the config file, the default server. A server that loses is
 * unreachable here, so a command that succeeds asked the winner; the stub records the token.
 */
class ProfileTest {
  private static final String NOWHERE = "http://127.0.0.1:1";

  @TempDir Path home;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private ApiStub api;
  private Path config;

  @BeforeEach
  void start() throws IOException {
    api = new ApiStub();
    api.answer =
        request ->
            "{\"data\":{\"login\":{\"products\":{\"total\":0,\"hasMore\":false,\"last\":null,"
                + "\"items\":[]}}}}";
    config = home.resolve(".config/firmament/config.properties");
    Files.createDirectories(config.getParent());
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private void config(String text) throws IOException {
    Files.writeString(config, text);
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
  }

  private int run(Map<String, String> env, String... args) {
    out.reset();
    err.reset();
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("HOME", home.toString());
    List<String> command = new java.util.ArrayList<>(List.of("products", "list"));
    command.addAll(List.of(args));
    return FirmamentCli.run(
        command,
        all,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String lastToken() {
    return api.requests.getLast().authorization();
  }

  @Test
  void theDefaultProfileServesWhenNothingElseIsGiven() throws IOException {
    config(
        "profile.default.server="
            + api.url()
            + "\nprofile.default.token=fmt_default\nprofile.prod.server="
            + NOWHERE
            + "\nprofile.prod.token=fmt_prod\n");
    assertThat(run(Map.of())).as(err.toString()).isZero();
    assertThat(lastToken()).isEqualTo("Bearer fmt_default");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void theOptionBeatsTheEnvironmentWhichBeatsTheProfile() throws IOException {
    config(
        "profile.staging.server="
            + NOWHERE
            + "\nprofile.staging.token=fmt_profile\nprofile.default.token=fmt_default\n");
    // The profile alone: its token, its (unreachable) server.
    assertThat(run(Map.of(), "--profile", "staging")).isEqualTo(1);
    // The environment's server and token beat the profile's.
    assertThat(
            run(
                Map.of(Cli.SERVER_VARIABLE, api.url(), Cli.TOKEN_VARIABLE, "fmt_env"),
                "--profile",
                "staging"))
        .as(err.toString())
        .isZero();
    assertThat(lastToken()).isEqualTo("Bearer fmt_env");
    // The options beat the environment.
    assertThat(
            run(
                Map.of(Cli.SERVER_VARIABLE, NOWHERE, Cli.TOKEN_VARIABLE, "fmt_env"),
                "--profile",
                "staging",
                "--server",
                api.url(),
                "--token",
                "fmt_option"))
        .as(err.toString())
        .isZero();
    assertThat(lastToken()).isEqualTo("Bearer fmt_option");
    // The profile's token with the environment's server; FIRMAMENT_PROFILE selects it.
    assertThat(run(Map.of(Cli.SERVER_VARIABLE, api.url(), Cli.PROFILE_VARIABLE, "staging")))
        .as(err.toString())
        .isZero();
    assertThat(lastToken()).isEqualTo("Bearer fmt_profile");
    // --profile beats FIRMAMENT_PROFILE.
    assertThat(
            run(
                Map.of(Cli.SERVER_VARIABLE, api.url(), Cli.PROFILE_VARIABLE, "staging"),
                "--profile",
                "default"))
        .isZero();
    assertThat(lastToken()).isEqualTo("Bearer fmt_default");
  }

  @Test
  void firmamentConfigNamesAnotherFile() throws IOException {
    Path other = home.resolve("other.properties");
    Files.writeString(other, "profile.ci.server=" + api.url() + "\nprofile.ci.token=fmt_ci\n");
    Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-------"));
    assertThat(run(Map.of(Cli.CONFIG_VARIABLE, other.toString()), "--profile", "ci"))
        .as(err.toString())
        .isZero();
    assertThat(lastToken()).isEqualTo("Bearer fmt_ci");
  }

  @Test
  void withoutAnyServerTheDefaultIsLocalhost() {
    assertThat(new ApiOptions().server(spec())).isEqualTo("http://localhost:8080");
  }

  @Test
  void anUnknownProfileOrAMissingFileIsAUsageError() throws IOException {
    assertThat(run(Map.of(), "--profile", "prod")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("profile 'prod': no config file " + config);
    config("profile.default.token=fmt_default\n");
    assertThat(run(Map.of(), "--profile", "prod")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("firmament products list: no profile 'prod' in " + config);
    assertThat(err.toString(StandardCharsets.UTF_8).strip().lines()).hasSize(1);
  }

  @Test
  void withoutATokenAnywhereTheMessageNamesEveryPlace() {
    assertThat(run(Map.of(), "--server", api.url())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains(
            "an API token is required: --token TOKEN or FIRMAMENT_TOKEN (or"
                + " profile.default.token in "
                + config
                + ")");
    assertThat(api.requests).isEmpty();
  }

  @Test
  void aConfigFileOthersCanReadIsWarnedAbout() throws IOException {
    config("profile.default.server=" + api.url() + "\nprofile.default.token=fmt_default\n");
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(run(Map.of())).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("warning: " + config + " holds API tokens and others can read it");
  }

  private picocli.CommandLine.Model.CommandSpec spec() {
    Cli cli = new Cli(System.out, System.err, Map.of());
    return new picocli.CommandLine(new FirmamentCli(cli)).getCommandSpec();
  }
}
