package dev.firmament.workers.delta;

import dev.firmament.manifest.DowngradeGrant;
import dev.firmament.manifest.Manifest;
import dev.firmament.manifest.ManifestSigner;
import dev.firmament.manifest.SignedManifest;
import dev.firmament.manifest.SigningKeys;
import dev.firmament.protocol.Downgrade;
import dev.firmament.workers.delta.DeltaRecords.Build;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs release manifests in the delta role, a process that does not face the network: the API
 * holds no signing key. A build is signed once, at the start of its delta build, and only when its
 * row names who uploaded it (an authorised upload with {@code firmware:write}); a row nobody
 * uploaded through the API is never signed.
 *
 * <p>The key pair comes from {@code firmament.signing.private-key}/{@code public-key} (base64) or
 * from files named by {@code firmament.signing.private-key-file}/{@code public-key-file} (a mounted
 * secret or a key-management agent's output). Without a key, builds stay unsigned and a warning
 * says so once.
 */
public final class ReleaseSigning {
  private static final Logger log = LoggerFactory.getLogger(ReleaseSigning.class);

  private final Optional<ManifestSigner> signer;

  private ReleaseSigning(Optional<ManifestSigner> signer) {
    this.signer = signer;
  }

  /** No key: builds stay unsigned. */
  public static ReleaseSigning none() {
    return new ReleaseSigning(Optional.empty());
  }

  public static ReleaseSigning with(SigningKeys keys) {
    return new ReleaseSigning(Optional.of(ManifestSigner.of(keys)));
  }

  /** From the settings: inline base64 values win over files; nothing configured means no key. */
  public static ReleaseSigning fromSettings(
      String privateKey, String publicKey, String privateKeyFile, String publicKeyFile) {
    String privateValue = privateKey.isBlank() ? read(privateKeyFile) : privateKey;
    String publicValue = publicKey.isBlank() ? read(publicKeyFile) : publicKey;
    if (privateValue.isBlank() && publicValue.isBlank()) {
      log.warn(
          "no release signing key configured (firmament.signing.*): firmware manifests will not"
              + " be signed");
      return none();
    }
    return with(new SigningKeys(privateValue.strip(), publicValue.strip()));
  }

  private static String read(String file) {
    if (file == null || file.isBlank()) {
      return "";
    }
    try {
      return Files.readString(Path.of(file), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the signing key file " + file, e);
    }
  }

  public boolean configured() {
    return signer.isPresent();
  }

  /** How long a downgrade grant holds: long enough for a device that is offline for days. */
  public static final Duration DOWNGRADE_GRANT_TTL = Duration.ofDays(7);

  /**
   * Grants one device the install of one older build in one update (a rollback, or a downgrade a
   * release engineer allowed), signed with the release key; empty without a key. The build must be
   * signed: its manifest names the product the grant binds to.
   *
   * @param manifest the older build's canonical signed manifest
   */
  public Optional<Downgrade> grantDowngrade(String deviceId, String updateId, String manifest) {
    if (signer.isEmpty() || manifest == null) {
      return Optional.empty();
    }
    Manifest build = Manifest.parseCanonical(manifest);
    DowngradeGrant grant =
        new DowngradeGrant(
            build.productId(),
            deviceId,
            updateId,
            build.version(),
            build.sha256(),
            Instant.now().plus(DOWNGRADE_GRANT_TTL));
    return Optional.of(new Downgrade(grant.toCanonicalJson(), signer.get().sign(grant)));
  }

  /**
   * Signs the build's manifest unless it is signed already, nobody uploaded it through the API, or
   * no key is configured. Idempotent: the signature is stored only where none is.
   */
  public void signIfNeeded(Build build, DeltaRecords records) {
    if (signer.isEmpty()) {
      return;
    }
    DeltaRecords.Signing state = records.signing(build.id()).orElse(null);
    if (state == null || state.signed()) {
      return;
    }
    if (state.uploadedBy() == null) {
      log.warn(
          "firmware not signed: no authorised upload recorded firmware={} version={}",
          build.id(),
          build.version());
      return;
    }
    SignedManifest signed =
        signer
            .get()
            .sign(
                new Manifest(
                    build.productId(),
                    build.version(),
                    build.sha256(),
                    build.size(),
                    Instant.now()));
    if (records.storeSignature(build.id(), signed.canonicalJson(), signed.signature())) {
      log.info(
          "firmware signed firmware={} version={} uploadedBy={}",
          build.id(),
          build.version(),
          state.uploadedBy());
    }
  }
}
