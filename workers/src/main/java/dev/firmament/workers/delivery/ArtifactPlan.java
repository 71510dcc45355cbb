package dev.firmament.workers.delivery;

import dev.firmament.protocol.Artifact;

/**
 * What one device will be sent for one update: the artifact's description (as the offer announces
 * it), its bytes and the signed manifest of the target build.
 *
 * @param artifact kind, size, hash of the resulting image, chunk size
 * @param bytes the artifact itself
 * @param signature base64 Ed25519 signature of {@code manifest}; null for unsigned builds
 * @param manifest the target's signed manifest (canonical JSON); null for unsigned builds
 * @param storageKey where the artifact is stored, for a device that downloads it itself; null when
 *     it exists only here (a chain of patches, put together for the device)
 */
public record ArtifactPlan(
    Artifact artifact, byte[] bytes, String signature, String manifest, String storageKey) {

  /** A plan without a signature. */
  public ArtifactPlan(Artifact artifact, byte[] bytes, String storageKey) {
    this(artifact, bytes, null, null, storageKey);
  }
}
