package dev.firmament.launcher;

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

/**
 * {@code firmament sims import FILE}: sends a CSV of SIM cards to a running server's {@code POST
 * /api/v1/sims/import} as it is on disk, and prints what the server answered: how many SIMs were
 * imported, or every refused row with its line, column and reason (nothing is imported then).
 *
 * <p>Exit codes: 0 imported; 1 the server could not be reached or failed; 2 usage error (bad
 * arguments, unreadable file); 3 the server refused the file (bad rows, too large, no scope).
 */
final class SimsCommand {
  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;
  static final int REFUSED = 3;

  static final String USAGE_TEXT =
      "usage: firmament sims import FILE [--server URL] [--token TOKEN]\n"
          + "FILE is a CSV with the columns iccid, imsi, carrier, monthly_cap_bytes,"
          + " overage_policy and optionally device_id (docs/connectivity.md). The token (scope"
          + " devices:write) comes from --token or the environment variable "
          + FirmwareUploadCommand.TOKEN_VARIABLE
          + ".";

  private static final ObjectMapper JSON = new ObjectMapper();

  private SimsCommand() {}

  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.isEmpty() || !args.getFirst().equals("import")) {
      err.println(USAGE_TEXT);
      return USAGE;
    }
    String server = "http://localhost:8080";
    String token = env.get(FirmwareUploadCommand.TOKEN_VARIABLE);
    Path file = null;
    List<String> queue = new ArrayList<>(args.subList(1, args.size()));
    while (!queue.isEmpty()) {
      String arg = queue.removeFirst();
      if (arg.equals("--server") || arg.equals("--token")) {
        if (queue.isEmpty()) {
          err.println("firmament sims import: " + arg + " needs a value");
          err.println(USAGE_TEXT);
          return USAGE;
        }
        String value = queue.removeFirst();
        if (arg.equals("--server")) {
          server = value;
        } else {
          token = value;
        }
      } else if (arg.startsWith("--") || file != null) {
        err.println("firmament sims import: unexpected argument '" + arg + "'");
        err.println(USAGE_TEXT);
        return USAGE;
      } else {
        file = Path.of(arg);
      }
    }
    if (file == null) {
      err.println("firmament sims import: FILE is required");
      err.println(USAGE_TEXT);
      return USAGE;
    }
    if (token == null || token.isBlank()) {
      err.println(
          "firmament sims import: an API token is required: --token TOKEN or "
              + FirmwareUploadCommand.TOKEN_VARIABLE);
      return USAGE;
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      err.println("firmament sims import: cannot read " + file);
      return USAGE;
    }
    URI uri;
    try {
      uri = URI.create(server.replaceAll("/+$", "") + "/api/v1/sims/import");
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
                      .header("Authorization", "Bearer " + token.strip())
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
    return report(response.statusCode(), response.body(), file, out, err);
  }

  /** Prints the server's answer; the per-row report goes to stdout, so it can be saved or piped. */
  static int report(int status, String body, Path file, PrintStream out, PrintStream err) {
    JsonNode answer;
    try {
      answer = JSON.readTree(body);
    } catch (IOException e) {
      err.println(
          "firmament sims import: the server answered " + status + " without a readable body");
      return FAILURE;
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
