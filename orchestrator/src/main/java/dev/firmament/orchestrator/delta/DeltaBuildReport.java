package dev.firmament.orchestrator.delta;

import java.util.List;

/**
 * What a delta build did for one uploaded firmware.
 *
 * @param firmwareId the target firmware
 * @param status {@link DeltaBuildStatus#DONE} when every source has an outcome
 * @param results one per source, in the order of the sources
 */
public record DeltaBuildReport(
    String firmwareId, DeltaBuildStatus status, List<DeltaBuildResult> results) {

  public long count(DeltaStatus outcome) {
    return results.stream().filter(r -> r.status() == outcome).count();
  }
}
