package dev.firmament.api.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One device's update within one job. {@code rolledBack} says whether the rollout has a rollback
 * row for the device, where the query that read the result knew it (a rollout's result pages), and
 * is null where it did not: the fields that depend on a rollback look it up only then.
 */
public record OtaResult(
    UUID jobId,
    String deviceId,
    String state,
    int attempt,
    long bytesSent,
    String artifactKind,
    String errorCode,
    String errorMessage,
    OffsetDateTime updatedAt,
    String transport,
    Long bytesReceived,
    Boolean rolledBack) {

  /**
   * True when the device ended on the target version, false when it ended otherwise (a device the
   * rollout skipped for its data cap, SKIPPED with DATA_CAP, did not), else null.
   */
  public Boolean success() {
    DeviceUpdateState parsed = DeviceUpdateState.parse(state);
    if (parsed == null || !parsed.isTerminal()) {
      return null;
    }
    return parsed.isSuccess() && !DeviceUpdateOutcome.DATA_CAP.equals(errorCode);
  }
}
