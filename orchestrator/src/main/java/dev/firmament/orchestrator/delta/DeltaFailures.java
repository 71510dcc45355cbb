package dev.firmament.orchestrator.delta;

/** Failure types raised as {@code ApplicationFailure}s by delta build activities. */
public final class DeltaFailures {
  /** A firmware row named by the build does not exist: retrying cannot help. */
  public static final String FIRMWARE_NOT_FOUND = "FirmwareNotFound";

  /** The pair cannot have a delta (the same build, or builds of different products). */
  public static final String INVALID_PAIR = "InvalidDeltaPair";

  private DeltaFailures() {}
}
