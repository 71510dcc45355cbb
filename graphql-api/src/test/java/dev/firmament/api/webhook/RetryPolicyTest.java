package dev.firmament.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.api.webhook.RetryPolicy.Verdict;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");
  private final RetryPolicy policy =
      new RetryPolicy(Duration.ofSeconds(5), Duration.ofHours(1), 10);

  @Test
  void answersAreDeliveredRetriedOrFailedForGood() {
    assertThat(RetryPolicy.verdict(200)).isEqualTo(Verdict.DELIVERED);
    assertThat(RetryPolicy.verdict(204)).isEqualTo(Verdict.DELIVERED);
    assertThat(RetryPolicy.verdict(299)).isEqualTo(Verdict.DELIVERED);
    assertThat(RetryPolicy.verdict(null)).isEqualTo(Verdict.RETRY);
    assertThat(RetryPolicy.verdict(408)).isEqualTo(Verdict.RETRY);
    assertThat(RetryPolicy.verdict(429)).isEqualTo(Verdict.RETRY);
    assertThat(RetryPolicy.verdict(500)).isEqualTo(Verdict.RETRY);
    assertThat(RetryPolicy.verdict(503)).isEqualTo(Verdict.RETRY);
    assertThat(RetryPolicy.verdict(599)).isEqualTo(Verdict.RETRY);
    assertThat(RetryPolicy.verdict(199)).isEqualTo(Verdict.FAILED);
    assertThat(RetryPolicy.verdict(300)).isEqualTo(Verdict.FAILED);
    assertThat(RetryPolicy.verdict(302)).isEqualTo(Verdict.FAILED);
    assertThat(RetryPolicy.verdict(400)).isEqualTo(Verdict.FAILED);
    assertThat(RetryPolicy.verdict(404)).isEqualTo(Verdict.FAILED);
    assertThat(RetryPolicy.verdict(407)).isEqualTo(Verdict.FAILED);
    assertThat(RetryPolicy.verdict(409)).isEqualTo(Verdict.FAILED);
    assertThat(RetryPolicy.verdict(428)).isEqualTo(Verdict.FAILED);
    assertThat(RetryPolicy.verdict(430)).isEqualTo(Verdict.FAILED);
    assertThat(RetryPolicy.verdict(499)).isEqualTo(Verdict.FAILED);
  }

  @Test
  void theBackoffDoublesUpToTheLongestWait() {
    assertThat(policy.backoff(1)).isEqualTo(Duration.ofSeconds(5));
    assertThat(policy.backoff(2)).isEqualTo(Duration.ofSeconds(10));
    assertThat(policy.backoff(3)).isEqualTo(Duration.ofSeconds(20));
    assertThat(policy.backoff(10)).isEqualTo(Duration.ofSeconds(2560));
    assertThat(policy.backoff(11)).isEqualTo(Duration.ofHours(1));
    assertThat(policy.backoff(1000)).isEqualTo(Duration.ofHours(1));
    assertThat(policy.backoff(0)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void jitterTakesOffAtMostHalf() {
    assertThat(policy.delay(3, 500, null, NOW, () -> 0.0)).isEqualTo(Duration.ofSeconds(20));
    assertThat(policy.delay(3, 500, null, NOW, () -> 0.5)).isEqualTo(Duration.ofSeconds(15));
    assertThat(policy.delay(3, null, null, NOW, () -> 0.999_999))
        .isGreaterThan(Duration.ofSeconds(10))
        .isLessThanOrEqualTo(Duration.ofMillis(10_001));
  }

  @Test
  void retryAfterIsHonouredOn429And503Only() {
    assertThat(policy.delay(1, 429, "120", NOW, () -> 0.5)).isEqualTo(Duration.ofSeconds(120));
    assertThat(policy.delay(1, 503, "7", NOW, () -> 0.5)).isEqualTo(Duration.ofSeconds(7));
    assertThat(policy.delay(1, 429, "0", NOW, () -> 0.5)).isEqualTo(Duration.ZERO);
    // Never longer than the longest wait.
    assertThat(policy.delay(1, 429, "86400", NOW, () -> 0.5)).isEqualTo(Duration.ofHours(1));
    assertThat(policy.delay(1, 429, "99999999999", NOW, () -> 0.5)).isEqualTo(Duration.ofHours(1));
    // A 500's Retry-After is not the receiver asking to slow down: the backoff applies.
    assertThat(policy.delay(1, 500, "120", NOW, () -> 0.0)).isEqualTo(Duration.ofSeconds(5));
    // Without one, or a bad one, the backoff.
    assertThat(policy.delay(2, 429, null, NOW, () -> 0.0)).isEqualTo(Duration.ofSeconds(10));
    assertThat(policy.delay(2, 429, "soon", NOW, () -> 0.0)).isEqualTo(Duration.ofSeconds(10));
    assertThat(policy.delay(2, 429, "-5", NOW, () -> 0.0)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void retryAfterReadsSecondsAndHttpDates() {
    assertThat(RetryPolicy.retryAfter(" 30 ", NOW)).contains(Duration.ofSeconds(30));
    assertThat(RetryPolicy.retryAfter("Sun, 06 Dec 2026 10:01:30 GMT", NOW))
        .contains(Duration.ofSeconds(90));
    assertThat(RetryPolicy.retryAfter("Sun, 06 Dec 2026 09:59:00 GMT", NOW))
        .contains(Duration.ZERO);
    assertThat(RetryPolicy.retryAfter("", NOW)).isEmpty();
    assertThat(RetryPolicy.retryAfter(null, NOW)).isEmpty();
    assertThat(RetryPolicy.retryAfter("1.5", NOW)).isEmpty();
    assertThat(RetryPolicy.retryAfter("tomorrow", NOW)).isEmpty();
  }

  @Test
  void theWebhookPausesAtTheMostAttemptsInARow() {
    assertThat(policy.exhausted(9)).isFalse();
    assertThat(policy.exhausted(10)).isTrue();
    assertThat(policy.exhausted(11)).isTrue();
    assertThat(new RetryPolicy(Duration.ofMillis(1), Duration.ofMillis(1), 1).exhausted(1))
        .isTrue();
  }

  @Test
  void aPolicyThatCannotWorkIsRefused() {
    assertThatThrownBy(() -> new RetryPolicy(Duration.ZERO, Duration.ofHours(1), 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(-1), Duration.ofHours(1), 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(5), Duration.ofSeconds(4), 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(5), Duration.ofHours(1), 0))
        .isInstanceOf(IllegalArgumentException.class);
    new RetryPolicy(Duration.ofSeconds(5), Duration.ofSeconds(5), 1);
  }
}
