package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Server to device: install {@code targetVersion} from the announced artifact.
 *
 * <p>Offers are idempotent on {@code updateId}: a device that receives the offer it is already
 * working on answers with its current position ({@code DOWNLOADING} and the offset it has) or
 * repeats its final report, and does not start over.
 *
 * @param updateId the server's key of this update for this device (the rollout/device key)
 * @param targetVersion the version the device runs after a successful update
 * @param artifact what the data topic will carry
 * @param window how many chunks the server keeps in flight without an acknowledgement; the device
 *     acknowledges at least every {@code max(1, window / 2)} chunks
 * @param rollback whether the target is deliberately older than the running version; without it a
 *     device refuses downgrades
 * @param signature base64 Ed25519 signature of {@code manifest}'s UTF-8 bytes; null when the
 *     release is not signed
 * @param manifest the signed manifest (canonical JSON text, {@code docs/firmware-manifest.md}) that
 *     names the resulting image's version, SHA-256 and size; null when the release is not signed
 * @param downgrade for an older build, the release side's signed grant for this device and update;
 *     null otherwise
 * @param download for a device that downloads over HTTPS, the pre-signed link to fetch the artifact
 *     from; null when the bytes come as chunk frames on the data topic
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpdateOffer(
    String updateId,
    String targetVersion,
    Artifact artifact,
    int window,
    boolean rollback,
    String signature,
    String manifest,
    Downgrade downgrade,
    DownloadLink download)
    implements Command {

  /** Largest window the protocol allows. */
  public static final int MAX_WINDOW = 1024;

  /** Longest manifest an offer may carry; a canonical manifest is a few hundred characters. */
  public static final int MAX_MANIFEST_CHARS = 4096;

  public UpdateOffer {
    Checks.requireUpdateId(updateId);
    Checks.requireVersion("targetVersion", targetVersion);
    Checks.require(artifact != null, "artifact is required");
    Checks.require(
        window >= 1 && window <= MAX_WINDOW,
        "window must be in [1, " + MAX_WINDOW + "], was " + window);
    Checks.require(
        manifest == null || manifest.length() <= MAX_MANIFEST_CHARS,
        "manifest must be at most " + MAX_MANIFEST_CHARS + " characters");
  }

  /** An offer whose bytes come as chunk frames. */
  public UpdateOffer(
      String updateId,
      String targetVersion,
      Artifact artifact,
      int window,
      boolean rollback,
      String signature,
      String manifest,
      Downgrade downgrade) {
    this(updateId, targetVersion, artifact, window, rollback, signature, manifest, downgrade, null);
  }

  /** An offer without a downgrade grant. */
  public UpdateOffer(
      String updateId,
      String targetVersion,
      Artifact artifact,
      int window,
      boolean rollback,
      String signature,
      String manifest) {
    this(updateId, targetVersion, artifact, window, rollback, signature, manifest, null, null);
  }

  /** An offer without a manifest. */
  public UpdateOffer(
      String updateId,
      String targetVersion,
      Artifact artifact,
      int window,
      boolean rollback,
      String signature) {
    this(updateId, targetVersion, artifact, window, rollback, signature, null, null, null);
  }

  /** This offer with the bytes at {@code link} instead of on the data topic. */
  public UpdateOffer withDownload(DownloadLink link) {
    return new UpdateOffer(
        updateId, targetVersion, artifact, window, rollback, signature, manifest, downgrade, link);
  }

  /** How often a device acknowledges, in chunks, for this offer's window. */
  public int ackInterval() {
    return Math.max(1, window / 2);
  }
}
