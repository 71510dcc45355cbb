package dev.firmament.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code firmament firmware upload --product P --version V FILE}: firmware CI's upload against a
 * running server, through the REST endpoint that takes the raw image.
 *
 * <p>Exit codes: 0 uploaded; 1 the server could not be reached or failed; 2 usage error (bad
 * arguments, unreadable file); 3 the server refused the upload (invalid input, unknown product); 4
 * the version already exists.
 */
final class FirmwareUploadCommand {
  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;
  static final int REFUSED = 3;
  static final int ALREADY_EXISTS = 4;

  static final String USAGE_TEXT =
      "usage: firmament firmware upload --product PRODUCT_ID --version VERSION [--title TITLE]"
          + " [--server URL] [--json] FILE";

  private static final ObjectMapper JSON = new ObjectMapper();

  private FirmwareUploadCommand() {}

  static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.isEmpty() || !args.getFirst().equals("upload")) {
      err.println(USAGE_TEXT);
      return USAGE;
    }
    String product = null;
    String version = null;
    String title = null;
    String server = "http://localhost:8080";
    boolean json = false;
    Path file = null;
    List<String> queue = new ArrayList<>(args.subList(1, args.size()));
    while (!queue.isEmpty()) {
      String arg = queue.removeFirst();
      switch (arg) {
        case "--product", "--version", "--title", "--server" -> {
          if (queue.isEmpty()) {
            err.println("firmament firmware upload: " + arg + " needs a value");
            err.println(USAGE_TEXT);
            return USAGE;
          }
          String value = queue.removeFirst();
          switch (arg) {
            case "--product" -> product = value;
            case "--version" -> version = value;
            case "--title" -> title = value;
            default -> server = value;
          }
        }
        case "--json" -> json = true;
        default -> {
          if (arg.startsWith("--") || file != null) {
            err.println("firmament firmware upload: unexpected argument '" + arg + "'");
            err.println(USAGE_TEXT);
            return USAGE;
          }
          file = Path.of(arg);
        }
      }
    }
    if (product == null || version == null || file == null) {
      err.println("firmament firmware upload: --product, --version and FILE are required");
      err.println(USAGE_TEXT);
      return USAGE;
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      err.println("firmament firmware upload: cannot read " + file);
      return USAGE;
    }
    return upload(server, product, version, title, file, json, out, err);
  }

  private static int upload(
      String server,
      String product,
      String version,
      String title,
      Path file,
      boolean json,
      PrintStream out,
      PrintStream err) {
    String query =
        "version="
            + URLEncoder.encode(version, StandardCharsets.UTF_8)
            + (title == null ? "" : "&title=" + URLEncoder.encode(title, StandardCharsets.UTF_8));
    URI uri;
    try {
      uri =
          URI.create(
              server.replaceAll("/+$", "")
                  + "/api/v1/products/"
                  + URLEncoder.encode(product, StandardCharsets.UTF_8)
                  + "/firmware?"
                  + query);
    } catch (IllegalArgumentException e) {
      err.println("firmament firmware upload: bad server URL " + server);
      return USAGE;
    }
    try {
      long size = Files.size(file);
      // Progress goes to stderr, so that --json output on stdout stays machine-readable.
      ProgressLine progress = new ProgressLine(err, System.console() != null, 1_000);
      HttpRequest.BodyPublisher body =
          HttpRequest.BodyPublishers.fromPublisher(
              HttpRequest.BodyPublishers.ofInputStream(
                  () -> counting(file, sent -> progress.show(sent, size, "bytes sent", false))),
              size);
      HttpResponse<String> response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .build()
              .send(
                  HttpRequest.newBuilder(uri)
                      .timeout(Duration.ofMinutes(10))
                      .header("Content-Type", "application/octet-stream")
                      .POST(body)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      progress.show(size, size, "bytes sent", true);
      progress.finish();
      return answer(response, file, json, out, err);
    } catch (ConnectException e) {
      err.println(
          "firmament firmware upload: cannot reach " + server + " (" + e.getMessage() + ")");
      return FAILURE;
    } catch (IOException e) {
      err.println("firmament firmware upload: " + e.getMessage());
      return FAILURE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FAILURE;
    }
  }

  private static int answer(
      HttpResponse<String> response, Path file, boolean json, PrintStream out, PrintStream err)
      throws IOException {
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      err.println(
          "firmament firmware upload: the server answered "
              + response.statusCode()
              + " without a readable body");
      return FAILURE;
    }
    int status = response.statusCode();
    if (status == 201 || status == 200) {
      if (json) {
        var result = JSON.createObjectNode();
        result.put("firmwareId", body.path("id").asText());
        result.put("version", body.path("version").asText());
        result.put("sha256", body.path("sha256").asText());
        result.put("size", body.path("size").asLong());
        // Deltas are built by the delta pipeline after the upload; none are reported yet.
        result.putArray("deltas");
        out.println(JSON.writeValueAsString(result));
      } else {
        out.printf(
            "uploaded %s as version %s: firmware %s, %,d bytes, sha256 %s%n",
            file.getFileName(),
            body.path("version").asText(),
            body.path("id").asText(),
            body.path("size").asLong(),
            body.path("sha256").asText());
      }
      return OK;
    }
    String code = body.path("code").asText("UNKNOWN");
    err.printf(
        "firmament firmware upload: refused (%d %s): %s%n",
        status, code, body.path("message").asText());
    if (status == 409 || code.equals("ALREADY_EXISTS")) {
      return ALREADY_EXISTS;
    }
    return status >= 400 && status < 500 ? REFUSED : FAILURE;
  }

  interface SentListener {
    void sent(long bytes);
  }

  private static InputStream counting(Path file, SentListener listener) {
    try {
      return new FilterInputStream(Files.newInputStream(file)) {
        private long sent;

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          int n = super.read(b, off, len);
          if (n > 0) {
            sent += n;
            listener.sent(sent);
          }
          return n;
        }
      };
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
