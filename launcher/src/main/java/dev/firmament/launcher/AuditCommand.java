package dev.firmament.launcher;

import dev.firmament.api.audit.AuditChain;
import dev.firmament.api.audit.AuditExport;
import dev.firmament.manifest.SigningKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code firmament audit export} writes the organization's audit log as JSON lines; {@code
 * firmament audit verify FILE} checks such a file offline: exit 0 when intact, 6 naming the first
 * bad entry otherwise, 2 for a usage error or an unreadable file, 1 when the server failed, 3 when
 * it refused.
 */
@Command(
    name = "audit",
    description = "Export the organization's audit log, or verify an export.",
    subcommands = {AuditCommand.Export.class, AuditCommand.Verify.class})
final class AuditCommand extends CommandGroup {
  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;
  static final int REFUSED = 3;
  static final int BROKEN = 6;

  /** {@code firmament audit export}. */
  @Command(
      name = "export",
      description =
          "Export the organization's audit log as JSON lines (scope audit:read); exit codes:"
              + " 0 written, 1 failure, 2 usage, 3 refused.")
  static final class Export implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiOptions api;

    @Option(
        names = "--output",
        paramLabel = "FILE",
        description = "Write the export to FILE instead of printing it.")
    String output;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      return export(api.base(), api.token(spec), output, Cli.of(spec).out(), Cli.of(spec).err());
    }
  }

  /** {@code firmament audit verify FILE}. */
  @Command(
      name = "verify",
      description =
          "Verify an audit export offline: its hash chain and, with --public-key, its signed"
              + " checkpoints (exit codes: 0 intact, 6 broken, naming the first bad entry).")
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The export, JSON lines.")
    String file;

    @Option(
        names = "--public-key",
        paramLabel = "BASE64",
        description = "The server's audit key, to check the checkpoints' signatures.")
    String publicKey;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      return verify(file, publicKey, Cli.of(spec).out(), Cli.of(spec).err());
    }
  }

  private static int export(
      String server, String token, String output, PrintStream out, PrintStream err) {
    try {
      HttpResponse<String> response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .build()
              .send(
                  HttpRequest.newBuilder(URI.create(server + "/api/v1/audit/export"))
                      .header("Authorization", "Bearer " + token)
                      .timeout(Duration.ofMinutes(5))
                      .GET()
                      .build(),
                  HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() != 200) {
        err.printf(
            "firmament audit export: refused (%d): %s%n", response.statusCode(), response.body());
        return response.statusCode() >= 400 && response.statusCode() < 500 ? REFUSED : FAILURE;
      }
      if (output == null) {
        out.print(response.body());
      } else {
        Files.writeString(Path.of(output), response.body(), StandardCharsets.UTF_8);
        err.printf(
            "firmament audit export: %d lines written to %s%n",
            response.body().lines().count(), output);
      }
      return OK;
    } catch (IOException e) {
      err.println("firmament audit export: cannot reach " + server + " (" + e.getMessage() + ")");
      return FAILURE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FAILURE;
    }
  }

  private static int verify(String file, String publicKey, PrintStream out, PrintStream err) {
    AuditExport.Parsed parsed;
    PublicKey key;
    try {
      parsed = AuditExport.parse(Files.readAllLines(Path.of(file), StandardCharsets.UTF_8));
      key = publicKey == null ? null : SigningKeys.publicKey(publicKey);
    } catch (IOException | IllegalArgumentException e) {
      err.println("firmament audit verify: " + e.getMessage());
      return USAGE;
    }
    AuditChain.Verification result = AuditChain.verify(parsed.entries(), parsed.checkpoints(), key);
    if (result.intact()) {
      out.printf(
          "intact: %d sealed entries, %d checkpoints%s%n",
          result.entries(),
          parsed.checkpoints().size(),
          key == null ? " (signatures not checked: no --public-key)" : ", signatures valid");
      return OK;
    }
    out.printf("broken at entry %d: %s%n", result.firstBadSeq(), result.reason());
    return BROKEN;
  }
}
