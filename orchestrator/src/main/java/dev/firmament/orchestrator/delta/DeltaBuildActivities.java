package dev.firmament.orchestrator.delta;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** What a delta build asks the outside world to do: the database, the store and the engine. */
@ActivityInterface
public interface DeltaBuildActivities {

  /**
   * The build's first step: signs the firmware's release manifest when a key is configured and an
   * authorised upload is recorded (idempotent; the signing key lives only in the delta role), then
   * answers the firmware ids a delta towards {@code firmwareId} is built from: the product's N most
   * recent other versions and every version a device of the product currently reports that has a
   * build.
   *
   * @throws io.temporal.failure.ApplicationFailure of type {@link DeltaFailures#FIRMWARE_NOT_FOUND}
   *     when the firmware does not exist
   */
  List<String> sourcesFor(String firmwareId);

  /**
   * Builds, verifies and records the delta of one pair. Idempotent on {@code (from, to, format)}:
   * when the pair already has a published or full-preferred row, that row's result is returned
   * without building again; a failed row is built again.
   *
   * <p>A delta is stored and published only after it has been re-applied to the source image and
   * the result matched the target's SHA-256.
   */
  DeltaBuildResult buildDelta(String fromFirmwareId, String toFirmwareId);

  /** Records where the build of {@code firmwareId} stands. Idempotent. */
  void recordBuildStatus(String firmwareId, DeltaBuildStatus status);
}
