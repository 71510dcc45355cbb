package dev.firmament.protocol;

/** What the bytes on the data topic are. */
public enum ArtifactKind {
  /** A complete image for the inactive slot. */
  FULL,
  /** A delta patch applied against the image of {@link Artifact#fromVersion()}. */
  DELTA,
  /**
   * Patches applied one after another from the image of {@link Artifact#fromVersion()}, in the
   * delta builder's chain container; offered only to devices whose presence declares it (see {@link
   * DeviceCapabilities}).
   */
  DELTA_CHAIN,
  /**
   * An in-place patch built for the device's single slot (its {@link SlotLayout}): it rewrites the
   * running image where it lies, from {@link Artifact#fromVersion()}; offered only to devices that
   * declare such a slot, and the only kind they are offered.
   */
  DELTA_IN_PLACE;

  /** Whether the artifact is applied against the running image (a patch or a chain of them). */
  public boolean needsBaseImage() {
    return this != FULL;
  }
}
