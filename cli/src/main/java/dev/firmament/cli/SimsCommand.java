package dev.firmament.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code firmament sims import FILE}: sends a CSV of SIM cards to a running server's {@code POST
 * /api/v1/sims/import} as it is on disk, and prints what the server answered: how many SIMs were
 * imported, or every refused row with its line, column and reason (nothing is imported then).
 *
 * <p>Exit codes: 0 imported; 1 the server could not be reached or failed; 2 usage error (bad
 * arguments, unreadable file); 3 the server refused the file (bad rows, too large, no scope).
 */
@Command(
    name = "sims",
    aliases = "sim",
    description = "Manage the organization's SIM cards.",
    subcommands = SimsCommand.Import.class)
public final class SimsCommand extends CommandGroup {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;
  public static final int REFUSED = 3;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code firmament sims ARGS} with the given environment, as the command line runs it. */
  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    List<String> all = new ArrayList<>();
    all.add("sims");
    all.addAll(args);
    return FirmamentCli.run(all, env, out, err);
  }

  /** {@code firmament sims import FILE}. */
  @Command(
      name = "import",
      description =
          "Import SIM cards from a CSV (docs/connectivity.md): every row or none; a refused file"
              + " prints each bad row as FILE:LINE, column C: reason (exit codes: 0 imported,"
              + " 1 failure, 2 usage, 3 refused). FILE has the columns iccid, imsi, carrier,"
              + " monthly_cap_bytes, overage_policy and optionally device_id; the token needs"
              + " the scope devices:write.")
  static final class Import implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The CSV file.")
    Path file;

    @Mixin ApiOptions api;

    @Option(
        names = "--json",
        description =
            "Print the server's answer as JSON (imported count, or the code, message and rows)"
                + " instead of text; the exit codes are the same.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      String token = api.token(spec);
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new ParameterException(spec.commandLine(), "cannot read FILE " + file);
      }
      return send(
          api.server(spec),
          api.base(spec),
          token,
          file,
          json,
          Cli.of(spec).out(),
          Cli.of(spec).err());
    }
  }

  private static int send(
      String server,
      String base,
      String token,
      Path file,
      boolean json,
      PrintStream out,
      PrintStream err) {
    URI uri;
    try {
      uri = URI.create(base + "/api/v1/sims/import");
    } catch (IllegalArgumentException e) {
      err.println("firmament sims import: bad server URL " + server);
      return USAGE;
    }
    HttpResponse<String> response;
    try {
      response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .build()
              .send(
                  HttpRequest.newBuilder(uri)
                      .timeout(Duration.ofMinutes(5))
                      .header("Content-Type", "text/csv; charset=utf-8")
                      .header("Authorization", "Bearer " + token)
                      .POST(HttpRequest.BodyPublishers.ofFile(file))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      err.println("firmament sims import: cannot reach " + server + " (" + e.getMessage() + ")");
      return FAILURE;
    } catch (IOException e) {
      err.println("firmament sims import: " + e.getMessage());
      return FAILURE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FAILURE;
    }
    return report(response.statusCode(), response.body(), file, json, out, err);
  }

  /** Prints the server's answer; the per-row report goes to stdout, so it can be saved or piped. */
  static int report(int status, String body, Path file, PrintStream out, PrintStream err) {
    return report(status, body, file, false, out, err);
  }

  /**
   * As {@link #report(int, String, Path, PrintStream, PrintStream)}, the answer as JSON if asked.
   */
  static int report(
      int status, String body, Path file, boolean json, PrintStream out, PrintStream err) {
    JsonNode answer;
    try {
      answer = JSON.readTree(body);
    } catch (IOException e) {
      err.println(
          "firmament sims import: the server answered " + status + " without a readable body");
      return FAILURE;
    }
    if (json) {
      JsonOutput.print(out, answer);
      return status == 200 ? OK : status >= 400 && status < 500 ? REFUSED : FAILURE;
    }
    if (status == 200) {
      out.printf(
          "imported %d SIM(s) from %s%n", answer.path("imported").asInt(), file.getFileName());
      return OK;
    }
    String code = answer.path("code").asText("UNKNOWN");
    err.printf(
        "firmament sims import: refused (%d %s): %s%n",
        status, code, answer.path("message").asText());
    JsonNode rows = answer.path("rows");
    for (JsonNode row : rows) {
      String column = row.path("column").isNull() ? "" : ", column " + row.path("column").asText();
      out.printf(
          "%s:%d%s: %s%n",
          file.getFileName(), row.path("line").asInt(), column, row.path("message").asText());
    }
    if (rows.size() > 0) {
      out.printf("%d problem(s); nothing was imported%n", rows.size());
    }
    return status >= 400 && status < 500 ? REFUSED : FAILURE;
  }
}
