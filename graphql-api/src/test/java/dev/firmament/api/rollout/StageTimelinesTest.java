package dev.firmament.api.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.AdvanceMode;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.StagePlan;
import dev.firmament.orchestrator.rollout.StageSelection;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class StageTimelinesTest {
  private static final OffsetDateTime T0 = OffsetDateTime.parse("2026-12-04T12:00:00Z");

  private static StagePlan stage(String name, AdvanceMode advance) {
    return new StagePlan(name, StageSelection.percent(50), 5, null, Duration.ZERO, null, advance);
  }

  private static RolloutPlan plan(boolean requireApproval) {
    return new RolloutPlan(
        List.of(
            stage("canary", AdvanceMode.AUTOMATIC),
            stage("wave", AdvanceMode.APPROVAL),
            stage("rest", AdvanceMode.APPROVAL)),
        null,
        null,
        null,
        requireApproval);
  }

  private static List<OtaStage> planned() {
    return List.of(
        OtaStage.planned(0, "canary"), OtaStage.planned(1, "wave"), OtaStage.planned(2, "rest"));
  }

  private static StageTimelines.Decision by(String actor, int minutes) {
    return new StageTimelines.Decision(actor, T0.plusMinutes(minutes));
  }

  @Test
  void approvalsAreSpentInTheOrderTheRolloutWaits() {
    List<StageTimelines.Decision> approvals = List.of(by("a", 1), by("b", 2), by("c", 3));

    // The start takes the first approval when the plan requires one, then each approval stage.
    List<OtaStage> withStart = StageTimelines.decide(plan(true), planned(), approvals, List.of());
    assertThat(StageTimelines.startApproval(plan(true), approvals)).isEqualTo(by("a", 1));
    assertThat(withStart).extracting(OtaStage::approvedBy).containsExactly(null, "b", "c");
    assertThat(withStart.get(1).approvedAt()).isEqualTo(T0.plusMinutes(2));

    List<OtaStage> noStart = StageTimelines.decide(plan(false), planned(), approvals, List.of());
    assertThat(StageTimelines.startApproval(plan(false), approvals)).isNull();
    assertThat(noStart).extracting(OtaStage::approvedBy).containsExactly(null, "a", "b");

    // A stage still waiting has no approver; a job without a stored plan attributes none.
    assertThat(StageTimelines.decide(plan(true), planned(), approvals.subList(0, 2), List.of()))
        .extracting(OtaStage::approvedBy)
        .containsExactly(null, "b", null);
    assertThat(StageTimelines.decide(null, planned(), approvals, List.of()))
        .extracting(OtaStage::approvedBy)
        .containsOnlyNulls();
  }

  @Test
  void aPromotionBelongsToTheStageWhoseSoakItFellIn() {
    OtaStage soaked =
        new OtaStage(
            0,
            "canary",
            "UPDATE",
            "SUCCEEDED",
            2,
            2,
            0,
            2,
            0,
            0,
            0,
            0,
            0,
            0,
            null,
            T0.plusMinutes(30),
            T0,
            T0.plusMinutes(10),
            null,
            null);
    OtaStage soaking =
        new OtaStage(
            1,
            "wave",
            "UPDATE",
            "SOAKING",
            2,
            2,
            0,
            2,
            0,
            0,
            0,
            0,
            0,
            0,
            null,
            null,
            T0.plusMinutes(31),
            T0.plusMinutes(40),
            null,
            null);
    List<StageTimelines.Decision> promotions = List.of(by("early", 5), by("p", 20), by("q", 50));

    List<OtaStage> decided =
        StageTimelines.decide(plan(false), List.of(soaked, soaking), List.of(), promotions);

    // The one sent before any soak began promoted nothing.
    assertThat(decided).extracting(OtaStage::promotedBy).containsExactly("p", "q");
    assertThat(decided.getFirst().promotedAt()).isEqualTo(T0.plusMinutes(20));
    assertThat(
            StageTimelines.decide(plan(false), List.of(soaked), List.of(), List.of(by("late", 31))))
        .extracting(OtaStage::promotedBy)
        .containsOnlyNulls();
  }
}
