package dev.firmament.protocol.server;

import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.Downgrade;
import dev.firmament.protocol.Topics;
import dev.firmament.protocol.Transport;
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
 * @param source the artifact's bytes, which the gateway pushes as chunk frames; its size must equal
 *     {@code artifact.size()}; null when the device downloads them through {@code links}
 * @param links for a device that downloads over HTTPS, what signs its links to the artifact in
 *     object storage; null when the gateway pushes the bytes from {@code source}
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
    ArtifactSource source,
    DownloadLinks links) {

  public Delivery {
    if (!Topics.isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("invalid device id: " + deviceId);
    }
    Objects.requireNonNull(artifact, "artifact");
    if ((source == null) == (links == null)) {
      throw new IllegalArgumentException("a delivery has either a source or download links");
    }
    if (source != null && source.size() != artifact.size()) {
      throw new IllegalArgumentException(
          "artifact source has " + source.size() + " bytes, artifact says " + artifact.size());
    }
    // Let the offer check update id and target version, so the rules live in one place.
    new UpdateOffer(updateId, targetVersion, artifact, 1, rollback, signature, manifest, downgrade);
  }

  /** A delivery whose bytes the gateway pushes from {@code source}. */
  public Delivery(
      String deviceId,
      String updateId,
      String targetVersion,
      Artifact artifact,
      boolean rollback,
      String signature,
      String manifest,
      Downgrade downgrade,
      ArtifactSource source) {
    this(
        deviceId,
        updateId,
        targetVersion,
        artifact,
        rollback,
        signature,
        manifest,
        downgrade,
        source,
        null);
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

  /** How the bytes go: downloaded over HTTPS when there are links, else pushed over MQTT. */
  public Transport transport() {
    return links == null ? Transport.MQTT : Transport.HTTPS;
  }

  /** The offer message for this delivery with the given flow-control window. */
  public UpdateOffer toOffer(int window) {
    return new UpdateOffer(
        updateId, targetVersion, artifact, window, rollback, signature, manifest, downgrade);
  }
}
