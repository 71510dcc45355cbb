package dev.firmament.orchestrator.rollout.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.RatePlan;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateRampTest {
  private static final RatePlan PLAN = new RatePlan(60, 2.0, 3, 200);

  @Test
  void startsAtTheBaseRate() {
    assertThat(RateRamp.start(PLAN).interval()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void raisesExactlyAfterTheConfiguredSuccesses() {
    RateRamp ramp = RateRamp.start(PLAN).afterSuccess(PLAN).afterSuccess(PLAN);
    assertThat(ramp.ratePerMinute()).isEqualTo(60);
    assertThat(ramp.afterSuccess(PLAN).ratePerMinute()).isEqualTo(120);
  }

  @Test
  void neverExceedsTheMaximum() {
    RateRamp ramp = RateRamp.start(PLAN);
    for (int i = 0; i < 30; i++) {
      ramp = ramp.afterSuccess(PLAN);
    }
    assertThat(ramp.ratePerMinute()).isEqualTo(200);
    assertThat(ramp.interval()).isEqualTo(Duration.ofMillis(300));
  }
}
