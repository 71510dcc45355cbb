package dev.firmament.workers.delivery;

import dev.firmament.protocol.Artifact;

/**
 * What one device will be sent for one update: the artifact's description (as the offer announces
 * it) and its bytes.
 *
 * @param artifact kind, size, hash of the resulting image, chunk size
 * @param bytes the artifact itself
 */
public record ArtifactPlan(Artifact artifact, byte[] bytes) {}
