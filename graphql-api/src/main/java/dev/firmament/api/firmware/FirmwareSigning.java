package dev.firmament.api.firmware;

import dev.firmament.artifact.signing.Manifest;
import dev.firmament.artifact.signing.ManifestSigner;
import dev.firmament.artifact.signing.SignedManifest;
import dev.firmament.artifact.signing.SigningKeys;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Signs the manifest of every upload with the release key from {@code firmament.signing.*}. A key
 * pair that cannot be read or does not match stops the application at start; without any key,
 * uploads are stored unsigned and a warning says so once.
 */
@Component
public class FirmwareSigning {
  private static final Logger log = LoggerFactory.getLogger(FirmwareSigning.class);

  private final Optional<ManifestSigner> signer;

  public FirmwareSigning(
      @Value("${firmament.signing.private-key:}") String privateKey,
      @Value("${firmament.signing.public-key:}") String publicKey) {
    if (privateKey.isBlank() && publicKey.isBlank()) {
      log.warn(
          "no signing key configured (firmament.signing.private-key/public-key):"
              + " firmware manifests will not be signed");
      this.signer = Optional.empty();
    } else {
      this.signer = Optional.of(ManifestSigner.of(new SigningKeys(privateKey, publicKey)));
    }
  }

  /** The signed manifest of a build, or empty when no key is configured. */
  public Optional<SignedManifest> sign(UUID productId, String version, String sha256, long size) {
    return signer.map(s -> s.sign(new Manifest(productId, version, sha256, size, Instant.now())));
  }
}
