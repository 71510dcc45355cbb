package dev.firmament.api.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import java.time.OffsetDateTime;

/** The rollback phase of one device's result ({@code OTARollbackResult}). */
public record OtaRollback(
    String toVersion,
    String state,
    int attempt,
    long bytesSent,
    String errorCode,
    String errorMessage,
    OffsetDateTime updatedAt) {

  /**
   * The result's {@code success} once the rollout took the device back: false when the device is
   * back on its previous version, null while that is under way, and the update's own answer when
   * the rollback ended without reaching the device (it still runs what the update left).
   */
  Boolean success(Boolean updateSuccess) {
    DeviceUpdateState parsed = DeviceUpdateState.parse(state);
    if (parsed == null || !parsed.isTerminal()) {
      return null;
    }
    return parsed.isSuccess() ? Boolean.FALSE : updateSuccess;
  }
}
