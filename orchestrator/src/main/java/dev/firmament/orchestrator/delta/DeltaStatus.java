package dev.firmament.orchestrator.delta;

/**
 * The outcome of building the delta of one (from, to) pair, as {@code firmware_deltas} keeps it.
 */
public enum DeltaStatus {
  /** Built, re-applied, hash-checked and stored: devices on the source version may get it. */
  PUBLISHED,
  /** A delta is not worth it (not small enough against the full image): ship the full image. */
  FULL_PREFERRED,
  /** The build failed; the reason says why. Never offered to a device. */
  FAILED
}
