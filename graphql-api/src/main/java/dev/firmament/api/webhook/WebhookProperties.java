package dev.firmament.api.webhook;

import dev.firmament.integrations.WebhookTargets;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Webhooks ({@code firmament.webhooks.*}).
 *
 * @param secretKey the server's key (base64, at least 32 bytes) that every webhook's signing secret
 *     and the encryption key of its custom headers are derived from; without it no webhook can be
 *     made
 * @param allowedRanges address ranges (CIDR, comma-separated) a webhook may reach although they are
 *     not public (loopback, private, link-local); none by default
 * @param deliver whether this process dispatches and sends deliveries (any number of API processes
 *     may: they share the work through claims)
 * @param timeout the most one attempt may take, connecting included
 * @param retryDelay the wait after a first failed attempt, doubled after each further one
 * @param maxRetryDelay the longest wait between attempts, also the most a {@code Retry-After} is
 *     honoured
 * @param maxAttempts failed attempts in a row after which the webhook is paused
 * @param concurrency webhooks sent to at once by this process (each one in order)
 * @param pollInterval how often the change feed and due deliveries are looked for
 * @param claim how long a process holds a webhook it sends to before another may take it over
 * @param retention how long delivered and failed deliveries and the log of attempts are kept
 */
@ConfigurationProperties("firmament.webhooks")
public record WebhookProperties(
    @DefaultValue("") String secretKey,
    @DefaultValue("") String allowedRanges,
    @DefaultValue("true") boolean deliver,
    @DefaultValue("10s") Duration timeout,
    @DefaultValue("5s") Duration retryDelay,
    @DefaultValue("1h") Duration maxRetryDelay,
    @DefaultValue("10") int maxAttempts,
    @DefaultValue("32") int concurrency,
    @DefaultValue("200ms") Duration pollInterval,
    @DefaultValue("30s") Duration claim,
    @DefaultValue("30d") Duration retention) {

  public WebhookProperties {
    if (timeout.toMillis() < 100
        || concurrency < 1
        || pollInterval.toMillis() < 10
        || claim.compareTo(timeout) <= 0
        || retention.toHours() < 1) {
      throw new IllegalArgumentException(
          "firmament.webhooks.*: timeout at least 100ms, concurrency at least 1, poll-interval at"
              + " least 10ms, claim longer than the timeout, retention at least 1h");
    }
    // Refuses a malformed range at start, not at the first delivery.
    WebhookTargets.Range.parseAll(allowedRanges);
  }

  public List<WebhookTargets.Range> allowed() {
    return WebhookTargets.Range.parseAll(allowedRanges);
  }

  public RetryPolicy retryPolicy() {
    return new RetryPolicy(retryDelay, maxRetryDelay, maxAttempts);
  }
}
