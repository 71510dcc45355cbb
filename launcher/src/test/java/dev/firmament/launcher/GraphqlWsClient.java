package dev.firmament.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A client of the graphql-ws protocol ({@code graphql-transport-ws}) over the JDK's WebSocket, as a
 * browser's graphql-ws library speaks it: the credential in {@code connection_init}, one
 * subscription per connection here. Received results and the end of the stream are kept for the
 * test to read.
 */
final class GraphqlWsClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WebSocket socket;
  private final CompletableFuture<Void> acknowledged = new CompletableFuture<>();
  private final CompletableFuture<JsonNode> ended = new CompletableFuture<>();
  private final List<JsonNode> results = new CopyOnWriteArrayList<>();

  private GraphqlWsClient(URI uri) {
    socket =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .subprotocols("graphql-transport-ws")
            .connectTimeout(Duration.ofSeconds(5))
            .buildAsync(uri, new Listener())
            .join();
  }

  /**
   * Connects and sends {@code connection_init}, with {@code Authorization: Bearer token} in its
   * payload unless the token is null; waits for the server's acknowledgement.
   */
  static GraphqlWsClient connect(String httpBase, String token) throws Exception {
    GraphqlWsClient client =
        new GraphqlWsClient(URI.create(httpBase.replaceFirst("^http", "ws") + "/graphql-ws"));
    Map<String, Object> init =
        token == null
            ? Map.of("type", "connection_init")
            : Map.of(
                "type", "connection_init", "payload", Map.of("Authorization", "Bearer " + token));
    client.send(init);
    client.acknowledged.get(10, TimeUnit.SECONDS);
    return client;
  }

  /** Starts the subscription (id 1). */
  void subscribe(String document, Map<String, ?> variables) throws Exception {
    send(
        Map.of(
            "id",
            "1",
            "type",
            "subscribe",
            "payload",
            Map.of("query", document, "variables", variables)));
  }

  /** The {@code data} of every result received so far. */
  List<JsonNode> results() {
    return results;
  }

  /**
   * How the stream ended: {@code {"type":"complete"}}, {@code {"type":"error","payload":[...]}}, or
   * {@code {"type":"closed","code":...}}; waits up to the timeout.
   */
  JsonNode end(Duration timeout) throws Exception {
    return ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean hasEnded() {
    return ended.isDone();
  }

  private void send(Map<String, ?> message) throws Exception {
    socket.sendText(JSON.writeValueAsString(message), true).get(5, TimeUnit.SECONDS);
  }

  /** Drops the connection without saying goodbye, as a lost network would. */
  void drop() {
    socket.abort();
  }

  @Override
  public void close() {
    if (!socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }
    socket.abort();
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        try {
          handle(webSocket, JSON.readTree(text));
        } catch (Exception e) {
          ended.completeExceptionally(e);
        }
      }
      webSocket.request(1);
      return null;
    }

    private void handle(WebSocket webSocket, JsonNode message) {
      switch (message.path("type").asText()) {
        case "connection_ack" -> acknowledged.complete(null);
        case "ping" -> webSocket.sendText("{\"type\":\"pong\"}", true);
        case "next" -> {
          JsonNode payload = message.path("payload");
          if (payload.path("errors").isArray() && !payload.path("errors").isEmpty()) {
            ended.complete(
                JSON.createObjectNode()
                    .put("type", "error")
                    .set("payload", payload.path("errors")));
          } else {
            results.add(payload.path("data"));
          }
        }
        case "error", "complete" -> ended.complete(message);
        default -> {}
      }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      acknowledged.completeExceptionally(
          new IllegalStateException("closed " + statusCode + " " + reason));
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
