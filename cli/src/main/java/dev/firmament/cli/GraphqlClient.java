package dev.firmament.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A small GraphQL-over-HTTP client: the demo and the tests use the API exactly as a user would. */
public final class GraphqlClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI endpoint;
  private final String token;

  /**
   * @param token the API token sent as {@code Authorization: Bearer}; null sends none
   */
  public GraphqlClient(String endpoint, String token) {
    this.endpoint = URI.create(endpoint);
    this.token = token;
  }

  /** A GraphQL error answer, with the code from {@code extensions.code}. */
  public static final class GraphqlException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final String detail;

    GraphqlException(String code, String message) {
      super(code + ": " + message);
      this.code = code;
      this.detail = message;
    }

    public String code() {
      return code;
    }

    /** The error's own message, without its code. */
    public String detail() {
      return detail;
    }
  }

  /** Runs a document and returns {@code data}; throws {@link GraphqlException} on errors. */
  public JsonNode execute(String document, Map<String, ?> variables) {
    JsonNode answer = executeRaw(document, variables);
    JsonNode errors = answer.path("errors");
    if (errors.isArray() && !errors.isEmpty()) {
      JsonNode first = errors.get(0);
      throw new GraphqlException(
          first.path("extensions").path("code").asText("UNKNOWN"), first.path("message").asText());
    }
    return answer.path("data");
  }

  /** Runs a document and returns the whole answer, errors included. */
  public JsonNode executeRaw(String document, Map<String, ?> variables) {
    try {
      HttpRequest.Builder request = request(document, variables).timeout(Duration.ofSeconds(60));
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode answer = JSON.readTree(response.body());
      if (response.statusCode() == 401 || response.statusCode() == 403) {
        // The security layer answers {code, message} before GraphQL runs.
        throw new GraphqlException(
            answer.path("code").asText("UNAUTHENTICATED"), answer.path("message").asText());
      }
      return answer;
    } catch (IOException e) {
      throw new IllegalStateException("GraphQL request to " + endpoint + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * Runs a subscription over Server-Sent Events ({@code Accept: text/event-stream}) and hands each
   * result's {@code data} to {@code onData} until the server completes the stream or {@code onData}
   * returns false. Errors (before or during the stream) throw {@link GraphqlException} with their
   * code.
   */
  public void subscribe(
      String document, Map<String, ?> variables, java.util.function.Predicate<JsonNode> onData) {
    try {
      HttpRequest.Builder request =
          request(document, variables).header("Accept", "text/event-stream");
      HttpResponse<java.util.stream.Stream<String>> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
      try (java.util.stream.Stream<String> lines = response.body()) {
        if (response.statusCode() != 200) {
          String text = String.join("\n", lines.toList());
          JsonNode answer = text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
          throw new GraphqlException(
              answer.path("code").asText("HTTP_" + response.statusCode()),
              answer.path("message").asText(text));
        }
        java.util.Iterator<String> it = lines.iterator();
        String event = null;
        while (it.hasNext()) {
          String line = it.next();
          if (line.startsWith("event:")) {
            event = line.substring("event:".length()).trim();
          } else if (line.startsWith("data:") && "next".equals(event)) {
            JsonNode result = JSON.readTree(line.substring("data:".length()));
            JsonNode errors = result.path("errors");
            if (errors.isArray() && !errors.isEmpty()) {
              JsonNode first = errors.get(0);
              throw new GraphqlException(
                  first.path("extensions").path("code").asText("UNKNOWN"),
                  first.path("message").asText());
            }
            if (!onData.test(result.path("data"))) {
              return;
            }
          } else if ("complete".equals(event)) {
            return;
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("GraphQL subscription to " + endpoint + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** A POST of the document and its variables, with the token when there is one. */
  private HttpRequest.Builder request(String document, Map<String, ?> variables)
      throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("query", document);
    body.set("variables", JSON.valueToTree(variables));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }
}
