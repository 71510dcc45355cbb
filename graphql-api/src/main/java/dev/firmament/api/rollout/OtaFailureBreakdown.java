package dev.firmament.api.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import java.util.Arrays;
import java.util.List;

/**
 * A job's results that ended without reaching the target version ({@code OTAFailureBreakdown}),
 * counted by final state, by error code and by stage; each list most frequent first.
 */
public record OtaFailureBreakdown(
    int total,
    List<StateCount> byState,
    List<ErrorCodeCount> byErrorCode,
    List<StageCount> byStage) {

  /**
   * The final states that are not a success: FAILED, TIMED_OUT, REJECTED, CANCELED, ROLLED_BACK.
   */
  static final List<String> FAILED_STATES =
      Arrays.stream(DeviceUpdateState.values())
          .filter(s -> s.isTerminal() && !s.isSuccess())
          .map(Enum::name)
          .toList();

  static final OtaFailureBreakdown NONE =
      new OtaFailureBreakdown(0, List.of(), List.of(), List.of());

  public record StateCount(String state, int count) {}

  /** {@code errorCode} is null for results that ended without one. */
  public record ErrorCodeCount(String errorCode, int count) {}

  /** {@code stage} is null for results no stage took (jobs from before staged rollouts). */
  public record StageCount(String stage, int count) {}
}
