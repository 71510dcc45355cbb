package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.config.GraphqlApiApplication;
import dev.firmament.devstack.EmbeddedTemporal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An API process that shuts down while clients hold live streams: GraphQL subscriptions over
 * Server-Sent Events and over graphql-ws, the plain event stream endpoint, and a subscriber that
 * hung up without the server noticing yet. Its web server shuts down gracefully, waiting for the
 * requests in progress, and an open stream is one until it ends: the streams end at the start of
 * the shutdown, each with its protocol's end, so that the process stops within moments instead of
 * after the graceful shutdown's timeout.
 *
 * <p>The process is a second API context on a port of its own (this class's shared context only
 * seeds the rollout it watches), against the suite's database and a Temporal of its own, closed by
 * the test.
 */
class StreamsAtShutdownTest extends ApiIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The graceful shutdown's timeout, as in production (Spring Boot's default). */
  private static final Duration GRACEFUL_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How long the close may take: far below the timeout, far above a loaded machine's close of a
   * context without open streams (about a second here).
   */
  private static final Duration PROMPT = Duration.ofSeconds(10);

  @Test
  void openStreamsEndAtShutdownAndDoNotHoldItUntilTheGracefulTimeout() throws Exception {
    String productId = createProduct();
    List<String> deviceIds = registerDevices(productId, unique("shutdown"), 2);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String jobId =
        besideOpenRollouts(
            productId,
            () ->
                graphQl
                    .documentName("CreateOTAJob")
                    .variable("productId", productId)
                    .variable("targetVersion", "2.0.0")
                    .execute()
                    .path("createOTAJob.job.id")
                    .entity(String.class)
                    .get());
    String token = ownerToken();

    // The second process asks its Temporal again for the suite's unfinished delta builds as it
    // starts: one that answers leaves them as they are (no Temporal would mark them failed).
    EmbeddedTemporal temporal = EmbeddedTemporal.start(0);
    ConfigurableApplicationContext api = startApi(temporal);
    boolean closed = false;
    try {
      String base = "http://127.0.0.1:" + api.getEnvironment().getProperty("local.server.port");
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

      SseStream progress =
          SseStream.graphQl(
              http,
              base,
              token,
              "subscription($id: ID!) { rolloutProgress(id: $id) { status } }",
              Map.of("id", jobId));
      SseStream devices =
          SseStream.graphQl(
              http,
              base,
              token,
              "subscription($p: ID) { deviceChanges(filter: {productId: $p}) { cursor } }",
              Map.of("p", productId));
      SseStream events =
          SseStream.graphQl(
              http,
              base,
              token,
              "subscription($p: ID) { events(filter: {productId: $p}) { cursor } }",
              Map.of("p", productId));
      SseStream plain = SseStream.get(http, base + "/api/v1/events?product=" + productId, token);
      WsSubscription ws =
          WsSubscription.open(
              http,
              base,
              token,
              "subscription($p: ID) { deviceChanges(filter: {productId: $p}) { cursor } }",
              Map.of("p", productId));
      // A subscriber that hangs up once its stream is open: the server learns of it only when it
      // next writes to the connection.
      hangUpAfterFirstEvent(
          base, token, "subscription($id: ID!) { rolloutProgress(id: $id) { status } }", jobId);

      // Each stream is open once it carried an event: a rollout's progress comes at once, the
      // others carry a device's version changes (a stream still opening would miss the first).
      AtomicInteger version = new AtomicInteger();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                dsl.update(DEVICES)
                    .set(DEVICES.FIRMWARE_VERSION, "1.0." + version.incrementAndGet())
                    .where(DEVICES.ID.eq(deviceIds.getFirst()))
                    .execute();
                return progress.carried("\"rolloutProgress\"")
                    && devices.carried("\"deviceChanges\"")
                    && events.carried("\"events\"")
                    && plain.carried("firmament/device/version")
                    && ws.carriedData();
              });

      long start = System.nanoTime();
      api.close();
      closed = true;
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      // Every stream's end is checked, whatever the time said: together they tell which of them
      // held the shutdown.
      SoftAssertions soft = new SoftAssertions();
      soft.assertThat(took)
          .as("the close with open streams (graceful timeout %s)", GRACEFUL_TIMEOUT)
          .isLessThan(PROMPT);
      for (SseStream stream : List.of(progress, devices, events)) {
        soft.assertThat(stream.end(Duration.ofSeconds(5)))
            .as("a GraphQL subscription over SSE ends with the protocol's complete event")
            .anyMatch(line -> line.startsWith("event:complete"));
      }
      soft.assertThat(plain.end(Duration.ofSeconds(5)))
          .as("the event stream endpoint ends its stream")
          .noneMatch(line -> line.startsWith("(cut off"));
      soft.assertThat(ws.end(Duration.ofSeconds(5)).path("type").asText())
          .as("a graphql-ws subscription is completed")
          .isEqualTo("complete");
      soft.assertAll();
    } finally {
      if (!closed) {
        api.close();
      }
      temporal.close();
    }
  }

  /** A second API process on a free port, against the suite's database and S3. */
  private static ConfigurableApplicationContext startApi(EmbeddedTemporal temporal) {
    return new SpringApplicationBuilder(GraphqlApiApplication.class)
        .logStartupInfo(false)
        .registerShutdownHook(false)
        .run(
            "--server.port=0",
            "--server.address=127.0.0.1",
            "--server.shutdown=graceful",
            "--spring.lifecycle.timeout-per-shutdown-phase=" + GRACEFUL_TIMEOUT.toSeconds() + "s",
            "--spring.datasource.url=" + STACK.postgres.jdbcUrl(),
            "--spring.datasource.username=" + STACK.postgres.username(),
            "--spring.datasource.password=" + STACK.postgres.password(),
            "--firmament.s3.endpoint=" + STACK.s3.endpoint(),
            "--firmament.s3.access-key=" + STACK.s3.accessKey(),
            "--firmament.s3.secret-key=" + STACK.s3.secretKey(),
            "--firmament.s3.bucket=" + TestStack.BUCKET,
            "--firmament.temporal.target=" + temporal.target(),
            "--firmament.security.request-signing-key=" + REQUEST_SIGNING_KEY,
            "--firmament.audit.private-key=" + AUDIT_KEYS.privateKeyBase64(),
            "--firmament.audit.public-key=" + AUDIT_KEYS.publicKeyBase64(),
            "--spring.graphql.graphiql.enabled=false",
            // This process's workers would claim the other tests' deliveries and runs from the
            // shared database.
            "--firmament.webhooks.deliver=false",
            "--firmament.cloud-code.run=false");
  }

  /**
   * Opens a rollout's progress over SSE on a socket of its own, waits for its first event (which
   * comes at once), then closes the socket without a word, as a client that went away does.
   */
  private static void hangUpAfterFirstEvent(String base, String token, String document, String id)
      throws IOException {
    URI uri = URI.create(base);
    byte[] body = JSON.writeValueAsBytes(Map.of("query", document, "variables", Map.of("id", id)));
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /graphql HTTP/1.1\r\nHost: "
                  + uri.getHost()
                  + "\r\nAuthorization: Bearer "
                  + token
                  + "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder received = new StringBuilder();
      int c;
      while (!received.toString().contains("\"rolloutProgress\"") && (c = in.read()) != -1) {
        received.append((char) c);
      }
      assertThat(received.toString()).startsWith("HTTP/1.1 200").contains("\"rolloutProgress\"");
    }
  }

  /** A Server-Sent Events response read line by line on a thread of its own. */
  private static final class SseStream {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final CompletableFuture<List<String>> ended = new CompletableFuture<>();

    private SseStream(CompletableFuture<HttpResponse<Stream<String>>> response) {
      response.thenAccept(
          r ->
              Thread.ofPlatform()
                  .daemon()
                  .start(
                      () -> {
                        try (Stream<String> body = r.body()) {
                          body.forEach(lines::add);
                          ended.complete(List.copyOf(lines));
                        } catch (RuntimeException e) {
                          // Cut off instead of ended: said as its last line, for the assertions.
                          lines.add("(cut off: " + e + ")");
                          ended.complete(List.copyOf(lines));
                        }
                      }));
    }

    static SseStream graphQl(
        HttpClient http, String base, String token, String document, Map<String, ?> variables)
        throws IOException {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(base + "/graphql"))
              .header("Authorization", "Bearer " + token)
              .header("Content-Type", "application/json")
              .header("Accept", "text/event-stream")
              .POST(
                  HttpRequest.BodyPublishers.ofByteArray(
                      JSON.writeValueAsBytes(Map.of("query", document, "variables", variables))))
              .build();
      return new SseStream(http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()));
    }

    static SseStream get(HttpClient http, String url, String token) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url))
              .header("Authorization", "Bearer " + token)
              .header("Accept", "text/event-stream")
              .GET()
              .build();
      return new SseStream(http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()));
    }

    /** Whether a line received so far contains this. */
    boolean carried(String text) {
      return lines.stream().anyMatch(line -> line.contains(text));
    }

    /** The stream's lines once it ended. */
    List<String> end(Duration timeout) throws Exception {
      return ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** One subscription over graphql-ws ({@code graphql-transport-ws}). */
  private static final class WsSubscription implements WebSocket.Listener {
    private final CompletableFuture<Void> acknowledged = new CompletableFuture<>();
    private final CompletableFuture<JsonNode> ended = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final AtomicBoolean carried = new AtomicBoolean();

    static WsSubscription open(
        HttpClient http, String base, String token, String document, Map<String, ?> variables)
        throws Exception {
      WsSubscription subscription = new WsSubscription();
      WebSocket socket =
          http.newWebSocketBuilder()
              .subprotocols("graphql-transport-ws")
              .buildAsync(
                  URI.create(base.replaceFirst("^http", "ws") + "/graphql-ws"), subscription)
              .get(30, TimeUnit.SECONDS);
      socket
          .sendText(
              JSON.writeValueAsString(
                  Map.of(
                      "type",
                      "connection_init",
                      "payload",
                      Map.of("Authorization", "Bearer " + token))),
              true)
          .get(10, TimeUnit.SECONDS);
      subscription.acknowledged.get(30, TimeUnit.SECONDS);
      socket
          .sendText(
              JSON.writeValueAsString(
                  Map.of(
                      "id",
                      "1",
                      "type",
                      "subscribe",
                      "payload",
                      Map.of("query", document, "variables", variables))),
              true)
          .get(10, TimeUnit.SECONDS);
      return subscription;
    }

    boolean carriedData() {
      return carried.get();
    }

    /** How it ended: the server's {@code complete} or {@code error}, or {@code closed}. */
    JsonNode end(Duration timeout) throws Exception {
      return ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          JsonNode message = JSON.readTree(partial.toString());
          switch (message.path("type").asText()) {
            case "connection_ack" -> acknowledged.complete(null);
            case "ping" -> webSocket.sendText("{\"type\":\"pong\"}", true);
            case "next" -> carried.set(true);
            case "complete", "error" -> ended.complete(message);
            default -> {}
          }
        } catch (IOException e) {
          ended.completeExceptionally(e);
        }
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      acknowledged.completeExceptionally(new IllegalStateException("closed " + statusCode));
      ended.complete(JSON.createObjectNode().put("type", "closed").put("code", statusCode));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      acknowledged.completeExceptionally(error);
      ended.completeExceptionally(error);
    }
  }
}
