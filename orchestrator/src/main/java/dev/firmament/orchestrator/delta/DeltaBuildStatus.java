package dev.firmament.orchestrator.delta;

/** Where the delta build of one uploaded firmware stands ({@code product_firmware}). */
public enum DeltaBuildStatus {
  /** The build was started and has not recorded its end. */
  PENDING,
  /** Every source has an outcome (published, full preferred or failed). */
  DONE,
  /** The build could not be started, or ended without an outcome for every source. */
  FAILED
}
