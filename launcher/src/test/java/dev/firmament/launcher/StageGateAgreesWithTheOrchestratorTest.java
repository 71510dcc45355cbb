package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firmament.cli.StageGate;
import dev.firmament.orchestrator.rollout.BreachAction;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.GatePlan;
import dev.firmament.orchestrator.rollout.StageCounters;
import dev.firmament.orchestrator.rollout.policy.FailureRateGate;
import dev.firmament.orchestrator.rollout.policy.GateVerdict;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The slim CLI judges a stage's gate in {@code rollouts show} with its own copy of the arithmetic
 * (it does not carry the orchestrator); over a grid of gates and counts it says BREACHED exactly
 * when the orchestrator's {@link FailureRateGate} does.
 */
class StageGateAgreesWithTheOrchestratorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theCliBreachesExactlyWhenTheOrchestratorDoes() {
    List<Set<DeviceUpdateState>> countings =
        List.of(
            GatePlan.FAILURE_TYPES,
            EnumSet.of(DeviceUpdateState.FAILED),
            EnumSet.of(DeviceUpdateState.TIMED_OUT, DeviceUpdateState.REJECTED),
            EnumSet.of(DeviceUpdateState.ROLLED_BACK));
    int checked = 0;
    for (Set<DeviceUpdateState> counted : countings) {
      for (double rate : new double[] {0.0, 0.1, 0.2, 0.25, 1.0 / 3, 0.5, 0.99}) {
        for (int sample : new int[] {0, 1, 4, 10}) {
          GatePlan gate = new GatePlan(counted, rate, sample, 0.0, BreachAction.ROLLBACK);
          ObjectNode plan = JSON.createObjectNode();
          counted.forEach(t -> plan.withArray("countedFailures").add(t.name()));
          plan.put("maxFailureRate", rate);
          plan.put("minimumSample", sample);
          plan.put("onBreach", "ROLLBACK");
          for (int succeeded = 0; succeeded <= 6; succeeded += 3) {
            for (int failed = 0; failed <= 3; failed++) {
              for (int timedOut = 0; timedOut <= 2; timedOut++) {
                for (int rejected = 0; rejected <= 1; rejected++) {
                  for (int rolledBack = 0; rolledBack <= 1; rolledBack++) {
                    for (int unhealthy = 0; unhealthy <= 1; unhealthy++) {
                      StageCounters counters =
                          new StageCounters(
                              20,
                              20,
                              0,
                              succeeded,
                              1,
                              failed,
                              timedOut,
                              rejected,
                              rolledBack,
                              unhealthy);
                      ObjectNode stage = JSON.createObjectNode();
                      stage.put("assigned", 20);
                      stage.put("succeeded", succeeded);
                      stage.put("skipped", 1);
                      stage.put("failed", failed);
                      stage.put("timedOut", timedOut);
                      stage.put("rejected", rejected);
                      stage.put("rolledBack", rolledBack);
                      stage.put("unhealthy", unhealthy);
                      boolean orchestrator =
                          FailureRateGate.evaluate(gate, counters) == GateVerdict.BREACHED;
                      assertThat(StageGate.describe(plan, stage).startsWith("BREACHED"))
                          .as("%s rate %s sample %d counts %s", counted, rate, sample, counters)
                          .isEqualTo(orchestrator);
                      checked++;
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    assertThat(checked).isGreaterThan(10_000);
  }
}
