package dev.firmament.api.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.rollout.StageProgress.Count;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StageProgressTest {

  @Test
  void eachStageCountsItsOwnResultsInStageOrderAndTheRestComesLast() {
    List<Count> counts =
        List.of(
            new Count(1, "SUCCEEDED", 3),
            new Count(0, "SUCCEEDED", 2),
            new Count(1, "DOWNLOADING", 1),
            new Count(1, "REJECTED", 1),
            new Count(0, "TIMED_OUT", 1),
            new Count(null, "QUEUED", 2));

    List<StageProgress> byStage = StageProgress.of(14, counts);

    assertThat(byStage)
        .containsExactly(
            new StageProgress(0, new JobProgress(0, 0, 2, 0, 0, 1)),
            new StageProgress(1, new JobProgress(0, 1, 3, 1, 0, 0)),
            // 14 targets, 8 of them taken by a stage: 2 results without one, 4 without a row yet.
            new StageProgress(null, new JobProgress(6, 0, 0, 0, 0, 0)));
  }

  @Test
  void noRestEntryOnceEveryTargetIsInAStage() {
    List<StageProgress> byStage =
        StageProgress.of(3, List.of(new Count(0, "SUCCEEDED", 2), new Count(1, "FAILED", 1)));

    assertThat(byStage).extracting(StageProgress::stage).containsExactly(0, 1);
  }

  @Test
  void aJobWithoutResultsIsAllWaiting() {
    assertThat(StageProgress.of(5, List.of()))
        .containsExactly(new StageProgress(null, new JobProgress(5, 0, 0, 0, 0, 0)));
    assertThat(StageProgress.of(0, List.of())).isEmpty();
  }

  @Test
  void theJobsCountsAreTheSumOverItsStages() {
    List<Count> counts =
        List.of(
            new Count(0, "SUCCEEDED", 2),
            new Count(1, "SUCCEEDED", 3),
            new Count(null, "QUEUED", 1),
            new Count(1, "FAILED", 1));

    assertThat(StageProgress.byState(counts))
        .isEqualTo(Map.of("SUCCEEDED", 5, "QUEUED", 1, "FAILED", 1));
  }
}
