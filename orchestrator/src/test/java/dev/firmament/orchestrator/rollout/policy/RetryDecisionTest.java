package dev.firmament.orchestrator.rollout.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RetryPolicy;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryDecisionTest {
  private static final RetryPolicy POLICY =
      new RetryPolicy(
          3, Duration.ofSeconds(10), 2.0, Duration.ofSeconds(15), 0.5, Set.of("NET", "TIMED_OUT"));

  @Test
  void aRetryableCodeWaitsTheInitialBackoffWithoutJitterAtZero() {
    assertThat(RetryDecision.next(POLICY, 1, DeviceUpdateState.FAILED, "NET", 0.0))
        .contains(Duration.ofSeconds(10));
  }

  @Test
  void jitterShortensTheWaitByAtMostItsShare() {
    assertThat(RetryDecision.next(POLICY, 1, DeviceUpdateState.FAILED, "NET", 0.999))
        .hasValueSatisfying(d -> assertThat(d).isGreaterThan(Duration.ofMillis(5000)));
  }

  @Test
  void backoffGrowsButNotBeyondTheMaximum() {
    assertThat(RetryDecision.next(POLICY, 2, DeviceUpdateState.FAILED, "NET", 0.0))
        .contains(Duration.ofSeconds(15));
  }

  @Test
  void theLastAttemptIsNotRetried() {
    assertThat(RetryDecision.next(POLICY, 3, DeviceUpdateState.FAILED, "NET", 0.0)).isEmpty();
  }

  @Test
  void otherCodesAreNotRetried() {
    assertThat(RetryDecision.next(POLICY, 1, DeviceUpdateState.FAILED, "HASH", 0.0)).isEmpty();
  }

  @Test
  void aSilentDeviceMatchesByItsStateName() {
    assertThat(RetryDecision.next(POLICY, 1, DeviceUpdateState.TIMED_OUT, null, 0.0)).isPresent();
  }

  @Test
  void successIsNeverRetried() {
    assertThat(RetryDecision.next(POLICY, 1, DeviceUpdateState.SUCCEEDED, null, 0.0)).isEmpty();
  }
}
