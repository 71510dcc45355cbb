package dev.firmament.api.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Device counts of one job by outcome, computed from its stored results. */
public record JobProgress(
    int queued, int inProgress, int succeeded, int failed, int skipped, int timedOut) {

  /**
   * The states {@link #finished()} counts, by name: those {@link #of} sorts among the succeeded,
   * failed, skipped and timed out (SUCCEEDED, FAILED, TIMED_OUT, REJECTED, CANCELED, ROLLED_BACK,
   * SKIPPED).
   */
  static final List<String> FINISHED_STATES =
      Arrays.stream(DeviceUpdateState.values())
          .map(Enum::name)
          .filter(state -> of(0, Map.of(state, 1)).finished() == 1)
          .toList();

  /**
   * Targets without a result row yet count as queued: the workflow creates rows page by page.
   *
   * @param totalDevices the job's target count
   * @param byState result rows per state
   */
  static JobProgress of(int totalDevices, Map<String, Integer> byState) {
    int queued = 0;
    int inProgress = 0;
    int succeeded = 0;
    int failed = 0;
    int skipped = 0;
    int timedOut = 0;
    int rows = 0;
    for (var entry : byState.entrySet()) {
      int count = entry.getValue();
      rows += count;
      DeviceUpdateState state = DeviceUpdateState.parse(entry.getKey());
      if (state == null) {
        inProgress += count;
        continue;
      }
      switch (state) {
        case QUEUED -> queued += count;
        case SENT, DOWNLOADING, VERIFYING, INSTALLING, REBOOTING -> inProgress += count;
        case SUCCEEDED -> succeeded += count;
        case SKIPPED -> skipped += count;
        case TIMED_OUT -> timedOut += count;
        case FAILED, REJECTED, CANCELED, ROLLED_BACK -> failed += count;
      }
    }
    queued += Math.max(0, totalDevices - rows);
    return new JobProgress(queued, inProgress, succeeded, failed, skipped, timedOut);
  }

  /** Devices that reached a final outcome. */
  int finished() {
    return succeeded + failed + skipped + timedOut;
  }

  /**
   * When a running rollout may finish at the pace it has kept, without a plan or stages to refine
   * it (see {@link RolloutEstimate}).
   */
  static OffsetDateTime estimatedFinish(
      OtaJob job, Map<String, Integer> byState, OffsetDateTime now) {
    return RolloutEstimate.finish(job, byState, null, java.util.List.of(), now);
  }
}
