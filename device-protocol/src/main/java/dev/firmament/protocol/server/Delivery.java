package dev.firmament.protocol.server;

import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.Downgrade;
import dev.firmament.protocol.Topics;
import dev.firmament.protocol.UpdateOffer;
import java.util.Objects;

/**
 * One update for one device, as the gateway delivers it: the offer's fields plus the bytes.
 *
 * @param deviceId the device; its topics are {@code fw/{deviceId}/...}
 * @param updateId the idempotency key of this update for this device (for example {@code
 *     rollout/{id}/device/{id}}); offering the same id again resumes rather than restarts
 * @param targetVersion the version the device runs afterwards
 * @param artifact size, hash, kind and chunk size of the bytes
 * @param rollback whether this is a deliberate downgrade
 * @param signature base64 Ed25519 signature of {@code manifest}, or null for an unsigned release
 * @param manifest the signed manifest text the device verifies, or null for an unsigned release
 * @param downgrade for an older build, the signed grant the device needs to install it; or null
 * @param source the artifact's bytes; its size must equal {@code artifact.size()}
 */
public record Delivery(
    String deviceId,
    String updateId,
    String targetVersion,
    Artifact artifact,
    boolean rollback,
    String signature,
    String manifest,
    Downgrade downgrade,
    ArtifactSource source) {

  public Delivery {
    if (!Topics.isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("invalid device id: " + deviceId);
    }
    Objects.requireNonNull(artifact, "artifact");
    Objects.requireNonNull(source, "source");
    if (source.size() != artifact.size()) {
      throw new IllegalArgumentException(
          "artifact source has " + source.size() + " bytes, artifact says " + artifact.size());
    }
    // Let the offer check update id and target version, so the rules live in one place.
    new UpdateOffer(updateId, targetVersion, artifact, 1, rollback, signature, manifest, downgrade);
  }

  /** A delivery without a downgrade grant. */
  public Delivery(
      String deviceId,
      String updateId,
      String targetVersion,
      Artifact artifact,
      boolean rollback,
      String signature,
      String manifest,
      ArtifactSource source) {
    this(deviceId, updateId, targetVersion, artifact, rollback, signature, manifest, null, source);
  }

  /** A delivery without a manifest. */
  public Delivery(
      String deviceId,
      String updateId,
      String targetVersion,
      Artifact artifact,
      boolean rollback,
      String signature,
      ArtifactSource source) {
    this(deviceId, updateId, targetVersion, artifact, rollback, signature, null, null, source);
  }

  /** A delivery that is not a rollback and carries no signature or manifest. */
  public Delivery(
      String deviceId,
      String updateId,
      String targetVersion,
      Artifact artifact,
      ArtifactSource source) {
    this(deviceId, updateId, targetVersion, artifact, false, null, null, null, source);
  }

  /** The offer message for this delivery with the given flow-control window. */
  public UpdateOffer toOffer(int window) {
    return new UpdateOffer(
        updateId, targetVersion, artifact, window, rollback, signature, manifest, downgrade);
  }
}
