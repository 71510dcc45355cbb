package dev.firmament.orchestrator.rollout.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.orchestrator.rollout.HealthPlan;
import dev.firmament.orchestrator.rollout.HealthReport;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthGateTest {
  private static HealthPlan plan(double maxExcess, int minimumUpdated) {
    return new HealthPlan(2, 0, null, 0, maxExcess, minimumUpdated, null);
  }

  private static GateVerdict judge(HealthPlan plan, int u, int uSick, int c, int cSick) {
    return HealthGate.evaluate(plan, new HealthReport(u, uSick, c, cSick, ""));
  }

  @Test
  void aShareAboveTheBaselinePlusTheExcessBreachesAndOneAtItHolds() {
    // 3 of 10 updated against 1 of 10 not yet updated: 0.3 against 0.1 + 0.2 holds, + 0.19 not.
    assertThat(judge(plan(0.2, 1), 10, 3, 10, 1)).isEqualTo(GateVerdict.HOLDS);
    assertThat(judge(plan(0.19, 1), 10, 3, 10, 1)).isEqualTo(GateVerdict.BREACHED);
    assertThat(judge(plan(0.0, 1), 10, 1, 10, 1)).isEqualTo(GateVerdict.HOLDS);
    assertThat(judge(plan(0.0, 1), 10, 2, 10, 1)).isEqualTo(GateVerdict.BREACHED);
  }

  @Test
  void withoutDevicesNotYetUpdatedTheBaselineIsZero() {
    assertThat(judge(plan(0.1, 1), 10, 1, 0, 0)).isEqualTo(GateVerdict.HOLDS);
    assertThat(judge(plan(0.1, 1), 10, 2, 0, 0)).isEqualTo(GateVerdict.BREACHED);
  }

  @Test
  void nothingIsJudgedBeforeTheMinimumUpdatedOrWithoutAnUnhealthyUpdatedDevice() {
    assertThat(judge(plan(0.0, 5), 4, 4, 10, 0)).isEqualTo(GateVerdict.HOLDS);
    assertThat(judge(plan(0.0, 5), 5, 1, 10, 0)).isEqualTo(GateVerdict.BREACHED);
    // A maxExcess of zero and an unhealthy baseline of zero: no unhealthy updated device holds.
    assertThat(judge(plan(0.0, 1), 5, 0, 0, 0)).isEqualTo(GateVerdict.HOLDS);
  }

  @Test
  void plansAndReportsRefuseWhatCannotBe() {
    assertThatThrownBy(() -> new HealthPlan(-1, 0, null, 0, 0, 1, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HealthPlan(0, -1, "x", 0, 0, 1, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HealthPlan(1, 0, null, 0, 1.01, 1, null))
        .hasMessageContaining("maxExcess");
    assertThatThrownBy(() -> new HealthPlan(1, 0, null, 0, -0.01, 1, null))
        .hasMessageContaining("maxExcess");
    assertThatThrownBy(() -> new HealthPlan(1, 0, null, 0, 0, 0, null))
        .hasMessageContaining("minimumUpdated");
    assertThatThrownBy(() -> new HealthPlan(0, 0, "x", Double.NaN, 0, 1, null))
        .hasMessageContaining("finite");
    assertThatThrownBy(() -> new HealthPlan(0, 0, "x".repeat(65), 1, 0, 1, null))
        .hasMessageContaining("diagnostic must be");
    assertThatThrownBy(() -> new HealthPlan(0, 0, " ", 1, 0, 1, null))
        .hasMessageContaining("diagnostic must be");
    assertThat(new HealthPlan(0, 1, null, 0, 1, 1, null).checkEvery())
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(new HealthPlan(0, 0, "x".repeat(64), 0, 0, 1, Duration.ofSeconds(1)).checkEvery())
        .isEqualTo(Duration.ofSeconds(1));
    assertThatThrownBy(() -> new HealthReport(1, 2, 0, 0, ""))
        .hasMessageContaining("more unhealthy");
    assertThatThrownBy(() -> new HealthReport(1, 0, 1, 2, ""))
        .hasMessageContaining("more unhealthy");
    assertThatThrownBy(() -> new HealthReport(-1, 0, 0, 0, "")).hasMessageContaining("negative");
    assertThatThrownBy(() -> new HealthReport(0, 0, -1, 0, "")).hasMessageContaining("negative");
    // Nothing updated yet is a report, which never breaches.
    HealthReport none = HealthReport.none();
    assertThat(none.updated()).isZero();
    assertThat(none.control()).isZero();
    assertThat(HealthGate.evaluate(plan(0.0, 1), none)).isEqualTo(GateVerdict.HOLDS);
  }
}
