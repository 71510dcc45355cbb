package dev.firmament.protocol;

/** What the bytes on the data topic are. */
public enum ArtifactKind {
  /** A complete image for the inactive slot. */
  FULL,
  /** A delta patch applied against the image of {@link Artifact#fromVersion()}. */
  DELTA
}
