package dev.firmament.api.rollout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One stage's device counts by outcome ({@code OTAStageProgress}), computed from the stored results
 * as {@link JobProgress} is: live, where the stage's own counters are the ones its workflow writes
 * at its checkpoints. A null stage holds the targets no stage has taken yet.
 */
public record StageProgress(Integer stage, JobProgress progress) {

  /** Result rows of one job in one stage and state. */
  public record Count(Integer stage, String state, int count) {}

  /**
   * Each stage that holds results, in stage order, then the targets no stage took (the results
   * without a stage and the targets without a result row yet) when there are any.
   *
   * @param totalDevices the job's target count
   * @param counts the job's result rows by stage and state
   */
  static List<StageProgress> of(int totalDevices, List<Count> counts) {
    Map<Integer, Map<String, Integer>> staged = new TreeMap<>();
    Map<String, Integer> unstaged = new HashMap<>();
    int stagedRows = 0;
    for (Count c : counts) {
      if (c.stage() == null) {
        unstaged.merge(c.state(), c.count(), Integer::sum);
      } else {
        staged
            .computeIfAbsent(c.stage(), k -> new HashMap<>())
            .merge(c.state(), c.count(), Integer::sum);
        stagedRows += c.count();
      }
    }
    List<StageProgress> result = new ArrayList<>();
    staged.forEach(
        (stage, byState) -> result.add(new StageProgress(stage, JobProgress.of(0, byState))));
    int waiting = totalDevices - stagedRows;
    if (waiting > 0 || !unstaged.isEmpty()) {
      result.add(new StageProgress(null, JobProgress.of(Math.max(0, waiting), unstaged)));
    }
    return result;
  }

  /** The job's result rows by state, summed over its stages. */
  static Map<String, Integer> byState(List<Count> counts) {
    Map<String, Integer> byState = new HashMap<>();
    for (Count c : counts) {
      byState.merge(c.state(), c.count(), Integer::sum);
    }
    return byState;
  }
}
