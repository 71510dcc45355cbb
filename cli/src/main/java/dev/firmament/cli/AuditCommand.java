package dev.firmament.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code firmament audit export} writes the organization's audit log as JSON lines: exit 0 when
 * written, 1 when the server failed, 2 for a usage error, 3 when it refused. The launcher's {@code
 * firmament audit verify FILE} checks such a file offline with the server's own chain code, which
 * this slim CLI does not carry.
 */
@Command(
    name = "audit",
    description = "Export the organization's audit log.",
    subcommands = AuditCommand.Export.class)
public final class AuditCommand extends CommandGroup {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;
  public static final int REFUSED = 3;

  /** {@code firmament audit export}. */
  @Command(
      name = "export",
      description =
          "Export the organization's audit log as JSON lines (scope audit:read); exit codes:"
              + " 0 written, 1 failure, 2 usage, 3 refused.")
  public static final class Export implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiOptions api;

    @Option(
        names = "--output",
        paramLabel = "FILE",
        description = "Write the export to FILE instead of printing it.")
    String output;

    @Option(
        names = "--json",
        description =
            "With --output, print what was written as JSON (file, lines) on stdout; the export"
                + " itself is JSON lines either way.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      return export(
          api.base(spec), api.token(spec), output, json, Cli.of(spec).out(), Cli.of(spec).err());
    }
  }

  private static int export(
      String server, String token, String output, boolean json, PrintStream out, PrintStream err) {
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
        long lines = response.body().lines().count();
        if (json) {
          com.fasterxml.jackson.databind.node.ObjectNode written =
              JsonOutput.JSON.createObjectNode();
          written.put("file", output);
          written.put("lines", lines);
          JsonOutput.print(out, written);
        } else {
          err.printf("firmament audit export: %d lines written to %s%n", lines, output);
        }
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
}
