package dev.firmament.api;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * An HTTP receiver on loopback for webhook tests: it records every request per path and answers
 * with the statuses a test scripted for that path, then 200.
 */
final class WebhookReceiver implements AutoCloseable {
  /** One request as received. */
  record Received(
      String path,
      String messageId,
      String timestamp,
      String signature,
      Map<String, String> headers,
      String body,
      Instant at) {}

  /** A scripted answer. */
  record Answer(int status, String retryAfter, long delayMillis) {}

  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Map<String, ConcurrentLinkedDeque<Answer>> script = new ConcurrentHashMap<>();
  private volatile long delayMillis;

  WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          var h = exchange.getRequestHeaders();
          Map<String, String> headers = new ConcurrentHashMap<>();
          h.forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.getFirst()));
          String path = exchange.getRequestURI().getPath();
          received.add(
              new Received(
                  path,
                  h.getFirst("webhook-id"),
                  h.getFirst("webhook-timestamp"),
                  h.getFirst("webhook-signature"),
                  headers,
                  body,
                  Instant.now()));
          var queue = script.get(path);
          Answer answer = queue == null ? null : queue.poll();
          long delay = answer != null ? answer.delayMillis() : delayMillis;
          if (delay > 0) {
            try {
              Thread.sleep(delay);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          if (answer != null && answer.retryAfter() != null) {
            exchange.getResponseHeaders().add("Retry-After", answer.retryAfter());
          }
          byte[] reply = "thanks".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(answer == null ? 200 : answer.status(), reply.length);
          exchange.getResponseBody().write(reply);
          exchange.close();
        });
    server.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** The next answers on {@code path}, in order; 200 after them. */
  void script(String path, Answer... answers) {
    script.computeIfAbsent(path, p -> new ConcurrentLinkedDeque<>()).addAll(List.of(answers));
  }

  /** How long every answer without a script waits. */
  void delay(long millis) {
    delayMillis = millis;
  }

  List<Received> on(String path) {
    List<Received> out = new ArrayList<>();
    for (Received r : received) {
      if (r.path().equals(path)) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
