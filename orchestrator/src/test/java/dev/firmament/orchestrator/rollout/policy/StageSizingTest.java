package dev.firmament.orchestrator.rollout.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.orchestrator.rollout.StageSelection;
import org.junit.jupiter.api.Test;

class StageSizingTest {
  @Test
  void aPercentageRoundsUpSoASmallFleetGetsAStage() {
    assertThat(StageSizing.size(StageSelection.percent(1), 50)).isEqualTo(1);
    assertThat(StageSizing.size(StageSelection.percent(10), 100)).isEqualTo(10);
    assertThat(StageSizing.size(StageSelection.percent(10), 101)).isEqualTo(11);
  }

  @Test
  void allOfTheRemainingTargetsIsEveryOne() {
    assertThat(StageSizing.size(StageSelection.percent(100), 1_000_000)).isEqualTo(1_000_000);
  }

  @Test
  void aCountTakesAtMostWhatRemains() {
    assertThat(StageSizing.size(StageSelection.count(5), 3)).isEqualTo(3);
    assertThat(StageSizing.size(StageSelection.count(5), 5)).isEqualTo(5);
  }

  @Test
  void nothingRemainingMeansAnEmptyStage() {
    assertThat(StageSizing.size(StageSelection.percent(50), 0)).isZero();
    assertThat(StageSizing.size(StageSelection.count(5), 0)).isZero();
  }

  @Test
  void aGroupIsNotSizedByCount() {
    assertThatThrownBy(() -> StageSizing.size(StageSelection.group("canary"), 10))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
