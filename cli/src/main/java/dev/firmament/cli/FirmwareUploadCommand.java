package dev.firmament.cli;

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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code firmament firmware upload --product P --version V FILE}: firmware CI's upload against a
 * running server, through the REST endpoint that takes the raw image.
 *
 * <p>After the upload it waits (bounded by {@code --wait SECONDS}, default 120; {@code --no-wait}
 * skips it) for the server's delta build of the new version and reports the deltas it built.
 *
 * <p>Exit codes: 0 uploaded (and, unless {@code --no-wait}, its delta build finished); 1 the server
 * could not be reached or failed; 2 usage error (bad arguments, unreadable file); 3 the server
 * refused the upload (invalid input, unknown product); 4 the version already exists; 5 uploaded,
 * but the delta build did not finish within the wait.
 */
@Command(
    name = "upload",
    description =
        "Upload a firmware image to a running server and wait for its deltas (exit codes:"
            + " 0 uploaded, 1 failure, 2 usage, 3 refused, 4 version already exists, 5 uploaded but"
            + " the delta build did not finish in time). The token needs the scope firmware:write.")
public final class FirmwareUploadCommand implements Callable<Integer> {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;
  public static final int REFUSED = 3;
  public static final int ALREADY_EXISTS = 4;
  public static final int DELTAS_PENDING = 5;

  static final Duration DEFAULT_WAIT = Duration.ofSeconds(120);

  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = "--product", paramLabel = "PRODUCT_ID", required = true)
  String product;

  @Option(names = "--version", paramLabel = "VERSION", required = true)
  String version;

  @Option(names = "--title", paramLabel = "TITLE")
  String title;

  @Mixin ApiOptions api;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Option(
      names = "--wait",
      paramLabel = "SECONDS",
      description = "How long to wait for the delta build (default 120).")
  Long waitSeconds;

  @Option(names = "--no-wait", description = "Do not wait for the delta build.")
  boolean noWait;

  @Parameters(index = "0", paramLabel = "FILE", description = "The firmware image.")
  Path file;

  @Mixin HelpOption help;

  @Override
  public Integer call() {
    if (waitSeconds != null && waitSeconds < 0) {
      throw new ParameterException(spec.commandLine(), "--wait needs a number of seconds");
    }
    if (waitSeconds != null && noWait) {
      throw new ParameterException(spec.commandLine(), "--wait and --no-wait exclude each other");
    }
    Duration wait =
        noWait
            ? Duration.ZERO
            : waitSeconds == null ? DEFAULT_WAIT : Duration.ofSeconds(waitSeconds);
    String token = api.token(spec);
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new ParameterException(spec.commandLine(), "cannot read FILE " + file);
    }
    return upload(
        new Target(api.server(spec), token),
        product,
        version,
        title,
        file,
        json,
        wait,
        Cli.of(spec).out(),
        Cli.of(spec).err());
  }

  /** The server and the credential every request of the command carries. */
  record Target(String server, String token) {
    String base() {
      return server.replaceAll("/+$", "");
    }
  }

  private static int upload(
      Target target,
      String product,
      String version,
      String title,
      Path file,
      boolean json,
      Duration wait,
      PrintStream out,
      PrintStream err) {
    String query =
        "version="
            + URLEncoder.encode(version, StandardCharsets.UTF_8)
            + (title == null ? "" : "&title=" + URLEncoder.encode(title, StandardCharsets.UTF_8));
    String server = target.server();
    URI uri;
    try {
      uri =
          URI.create(
              target.base()
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
                      .header("Authorization", "Bearer " + target.token())
                      .POST(body)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      progress.show(size, size, "bytes sent", true);
      progress.finish();
      return answer(response, target, product, file, json, wait, out, err);
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
      HttpResponse<String> response,
      Target target,
      String product,
      Path file,
      boolean json,
      Duration wait,
      PrintStream out,
      PrintStream err)
      throws IOException, InterruptedException {
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
      String firmwareId = body.path("id").asText();
      if (!json) {
        out.printf(
            "uploaded %s as version %s: firmware %s, %,d bytes, sha256 %s%n",
            file.getFileName(),
            body.path("version").asText(),
            firmwareId,
            body.path("size").asLong(),
            body.path("sha256").asText());
      }
      JsonNode built = wait.isZero() ? null : awaitDeltas(target, product, firmwareId, wait, err);
      String buildStatus =
          built != null
              ? built.path("deltaBuildStatus").asText(null)
              : body.path("deltaBuildStatus").asText(null);
      String signature =
          built != null
              ? built.path("signature").asText(null)
              : body.path("signature").asText(null);
      var deltas = JSON.createArrayNode();
      if (built != null) {
        for (JsonNode d : built.path("deltas")) {
          var delta = deltas.addObject();
          delta.put("fromVersion", d.path("fromVersion").asText());
          delta.put("format", d.path("format").asText());
          if (d.path("size").isNumber()) {
            delta.put("size", d.path("size").asLong());
          } else {
            delta.putNull("size");
          }
          delta.put("status", d.path("status").asText());
        }
      }
      if (json) {
        var result = JSON.createObjectNode();
        result.put("firmwareId", firmwareId);
        result.put("version", body.path("version").asText());
        result.put("sha256", body.path("sha256").asText());
        result.put("size", body.path("size").asLong());
        result.put("signature", signature);
        result.put("deltaBuildStatus", buildStatus);
        result.set("deltas", deltas);
        out.println(JSON.writeValueAsString(result));
      } else {
        out.println(signature == null ? "manifest: unsigned" : "manifest signature: " + signature);
        if (wait.isZero()) {
          out.println("deltas: not waited for (--no-wait)");
        } else {
          out.printf("delta build: %s, %d delta(s)%n", buildStatus, deltas.size());
          for (JsonNode d : deltas) {
            out.printf(
                "  from %s: %s %s%s%n",
                d.path("fromVersion").asText(),
                d.path("status").asText(),
                d.path("format").asText(),
                d.path("size").isNumber()
                    ? String.format(", %,d bytes", d.path("size").asLong())
                    : "");
          }
        }
      }
      if (!wait.isZero() && "PENDING".equals(buildStatus)) {
        err.println(
            "firmament firmware upload: the delta build did not finish within "
                + wait.toSeconds()
                + " s; the upload itself succeeded");
        return DELTAS_PENDING;
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

  /**
   * Polls the API until the delta build of the firmware is no longer pending or the wait is over;
   * returns the firmware's last known state (null when the API could not be read at all).
   */
  private static JsonNode awaitDeltas(
      Target target, String product, String firmwareId, Duration wait, PrintStream err)
      throws InterruptedException {
    GraphqlClient api = new GraphqlClient(target.base() + "/graphql", target.token());
    long deadline = System.nanoTime() + wait.toNanos();
    JsonNode last = null;
    while (true) {
      try {
        JsonNode firmware =
            api.execute(
                    "query($id: ID!) { product(id: $id) { firmware { items { id signature"
                        + " deltaBuildStatus deltas { fromVersion format size status } } } } }",
                    java.util.Map.of("id", product))
                .path("product")
                .path("firmware")
                .path("items");
        for (JsonNode f : firmware) {
          if (f.path("id").asText().equals(firmwareId)) {
            last = f;
          }
        }
      } catch (RuntimeException e) {
        err.println("firmament firmware upload: cannot read the delta build: " + e.getMessage());
        return last;
      }
      if (last == null || !"PENDING".equals(last.path("deltaBuildStatus").asText())) {
        return last;
      }
      if (System.nanoTime() >= deadline) {
        return last;
      }
      Thread.sleep(500);
    }
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
