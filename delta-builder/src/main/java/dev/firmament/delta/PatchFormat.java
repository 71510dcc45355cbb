package dev.firmament.delta;

/** Patch container formats the engine writes and reads. */
public enum PatchFormat {
  /** Our format {@code FMDELTA1}: zstd streams, branch filters, SHA-256 of both images. */
  NATIVE,
  /** Classic bsdiff 4 ({@code BSDIFF40}, bzip2 streams), as applied by {@code bspatch}. */
  BSDIFF40
}
