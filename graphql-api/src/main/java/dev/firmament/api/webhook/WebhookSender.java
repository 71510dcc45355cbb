package dev.firmament.api.webhook;

import dev.firmament.integrations.StandardWebhooks;
import dev.firmament.integrations.WebhookTargets;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Sends one attempt: checks the target again (a host may resolve elsewhere than when the webhook
 * was made), signs the body per Standard Webhooks, posts it without following redirects, and reads
 * at most {@value #MAX_RESPONSE} bytes of the answer, all within the timeout.
 */
final class WebhookSender {
  static final int MAX_RESPONSE = 1024;
  static final String USER_AGENT = "Firmament-Webhooks/1";

  private final HttpClient http;
  private final Duration timeout;
  private final List<WebhookTargets.Range> allowed;
  private final WebhookTargets.Resolver resolver;

  WebhookSender(
      Duration timeout, List<WebhookTargets.Range> allowed, WebhookTargets.Resolver resolver) {
    this.timeout = timeout;
    this.allowed = allowed;
    this.resolver = resolver;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  /** What came of one attempt, and the receiver's {@code Retry-After} when it gave one. */
  record Sent(WebhookOutbox.Attempt attempt, String retryAfter) {}

  Sent send(
      String url, String secret, String messageId, Map<String, String> customHeaders, String body) {
    long start = System.nanoTime();
    URI target;
    try {
      target = WebhookTargets.check(url, allowed, resolver).uri();
    } catch (WebhookTargets.RefusedTarget refused) {
      return failed(body, "not sent: " + refused.getMessage(), start);
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(target)
            .timeout(timeout)
            .header("content-type", "application/json")
            .header("user-agent", USER_AGENT)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    customHeaders.forEach(request::header);
    StandardWebhooks.headers(secret, messageId, Instant.now(), body).forEach(request::header);
    try {
      HttpResponse<InputStream> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      String excerpt;
      try (InputStream in = response.body()) {
        // Only the excerpt is read: closing the stream drops the rest of a large answer.
        excerpt = new String(in.readNBytes(MAX_RESPONSE), StandardCharsets.UTF_8);
      }
      return new Sent(
          new WebhookOutbox.Attempt(body, response.statusCode(), null, millisSince(start), excerpt),
          response.headers().firstValue("retry-after").orElse(null));
    } catch (HttpTimeoutException e) {
      return failed(body, "timed out after " + timeout.toMillis() + " ms", start);
    } catch (IOException e) {
      return failed(body, "no answer: " + e.getClass().getSimpleName() + message(e), start);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(body, "interrupted: the sending process stopped", start);
    }
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? "" : ": " + e.getMessage();
  }

  private static Sent failed(String body, String error, long start) {
    return new Sent(new WebhookOutbox.Attempt(body, null, error, millisSince(start), null), null);
  }

  private static int millisSince(long start) {
    return (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - start) / 1_000_000);
  }
}
