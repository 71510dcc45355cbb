package dev.firmament.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A stub of the API's {@code /graphql} on loopback: it records each request (its body and its
 * {@code Authorization} header) and answers with what {@link #answer} makes of the body, or with
 * the security layer's 401 when {@link #unauthorized} is set.
 */
final class ApiStub implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Request(JsonNode body, String authorization) {}

  final List<Request> requests = new CopyOnWriteArrayList<>();
  volatile Function<JsonNode, String> answer = request -> "{\"data\":{}}";
  volatile boolean unauthorized;
  private final HttpServer server;

  ApiStub() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/graphql",
        exchange -> {
          JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
          requests.add(new Request(body, exchange.getRequestHeaders().getFirst("Authorization")));
          int status = unauthorized ? 401 : 200;
          String text =
              unauthorized
                  ? "{\"code\":\"UNAUTHENTICATED\",\"message\":\"a valid credential is required\"}"
                  : answer.apply(body);
          byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(status, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  JsonNode last() {
    return requests.getLast().body();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
