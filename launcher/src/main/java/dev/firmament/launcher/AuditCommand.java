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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code firmament audit export} writes the organization's audit log as JSON lines; {@code
 * firmament audit verify FILE} checks such a file offline: exit 0 when intact, 6 naming the first
 * bad entry otherwise, 2 for a usage error or an unreadable file, 1 when the server failed, 3 when
 * it refused.
 */
final class AuditCommand {
  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;
  static final int REFUSED = 3;
  static final int BROKEN = 6;

  static final String USAGE_TEXT =
      "usage: firmament audit export [--server URL] [--token TOKEN] [--output FILE]\n"
          + "       firmament audit verify FILE [--public-key BASE64]";

  private AuditCommand() {}

  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.isEmpty()) {
      err.println(USAGE_TEXT);
      return USAGE;
    }
    List<String> rest = new ArrayList<>(args.subList(1, args.size()));
    String server = "http://localhost:8080";
    String token = env.get(FirmwareUploadCommand.TOKEN_VARIABLE);
    String output = null;
    String publicKey = null;
    String file = null;
    while (!rest.isEmpty()) {
      String arg = rest.removeFirst();
      if (arg.startsWith("--")) {
        if (rest.isEmpty()) {
          err.println("firmament audit: " + arg + " needs a value");
          return USAGE;
        }
        String value = rest.removeFirst();
        switch (arg) {
          case "--server" -> server = value;
          case "--token" -> token = value;
          case "--output" -> output = value;
          case "--public-key" -> publicKey = value;
          default -> {
            err.println("firmament audit: unexpected option '" + arg + "'");
            err.println(USAGE_TEXT);
            return USAGE;
          }
        }
      } else if (file == null) {
        file = arg;
      } else {
        err.println("firmament audit: unexpected argument '" + arg + "'");
        return USAGE;
      }
    }
    return switch (args.getFirst()) {
      case "export" -> export(server, token, output, out, err);
      case "verify" -> verify(file, publicKey, out, err);
      default -> {
        err.println(USAGE_TEXT);
        yield USAGE;
      }
    };
  }

  private static int export(
      String server, String token, String output, PrintStream out, PrintStream err) {
    if (token == null || token.isBlank()) {
      err.println(
          "firmament audit export: an API token with audit:read is required: --token or "
              + FirmwareUploadCommand.TOKEN_VARIABLE);
      return USAGE;
    }
    try {
      HttpResponse<String> response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .build()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(server.replaceAll("/+$", "") + "/api/v1/audit/export"))
                      .header("Authorization", "Bearer " + token.strip())
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
    if (file == null) {
      err.println("firmament audit verify: FILE is required");
      err.println(USAGE_TEXT);
      return USAGE;
    }
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
