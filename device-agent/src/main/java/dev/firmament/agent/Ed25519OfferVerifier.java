package dev.firmament.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.protocol.UpdateOffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;

/**
 * Verifies offers signed with the release key (JDK {@code Ed25519}).
 *
 * <p>The signature covers the UTF-8 bytes of the offer's {@code manifest} text exactly as sent (the
 * canonical manifest of {@code docs/firmware-manifest.md}); nothing is re-encoded before checking.
 * Only after the signature holds is the manifest read, and it must name the schema {@value
 * #SCHEMA}, the offer's target version and the offer's image hash; after the download, its size
 * must equal the image's. Thread-safe.
 */
final class Ed25519OfferVerifier implements OfferVerifier {

  /** The manifest schema this device understands. */
  static final String SCHEMA = "firmament-manifest-v1";

  private static final String ALGORITHM = "Ed25519";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PublicKey publicKey;

  Ed25519OfferVerifier(String publicKeyBase64) {
    Objects.requireNonNull(publicKeyBase64, "publicKeyBase64");
    try {
      this.publicKey =
          KeyFactory.getInstance(ALGORITHM)
              .generatePublic(
                  new X509EncodedKeySpec(Base64.getDecoder().decode(publicKeyBase64.strip())));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "not a base64 X.509 Ed25519 public key: " + e.getMessage(), e);
    }
  }

  @Override
  public void verifyOffer(UpdateOffer offer) throws BadSignatureException {
    JsonNode manifest = signedManifest(offer);
    String schema = manifest.path("schema").asText(null);
    if (!SCHEMA.equals(schema)) {
      throw new BadSignatureException("manifest schema is " + schema + ", expected " + SCHEMA);
    }
    String version = manifest.path("version").asText(null);
    if (!offer.targetVersion().equals(version)) {
      throw new BadSignatureException(
          "manifest is for version " + version + ", offer is for " + offer.targetVersion());
    }
    String sha256 = manifest.path("sha256").asText(null);
    if (!offer.artifact().sha256().equals(sha256)) {
      throw new BadSignatureException(
          "manifest names image sha256 " + sha256 + ", offer says " + offer.artifact().sha256());
    }
  }

  @Override
  public void verifyImage(UpdateOffer offer, String sha256, long size)
      throws BadSignatureException {
    JsonNode manifest = signedManifest(offer);
    if (!sha256.equals(manifest.path("sha256").asText(null))
        || !manifest.path("size").canConvertToLong()
        || manifest.path("size").asLong() != size) {
      throw new BadSignatureException(
          "the image ("
              + size
              + " bytes, sha256 "
              + sha256
              + ") is not the one the signed manifest names");
    }
  }

  private JsonNode signedManifest(UpdateOffer offer) throws BadSignatureException {
    if (offer.signature() == null || offer.signature().isBlank()) {
      throw new BadSignatureException("offer is not signed");
    }
    if (offer.manifest() == null || offer.manifest().isEmpty()) {
      throw new BadSignatureException("offer carries no manifest");
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(offer.signature().strip());
    } catch (IllegalArgumentException e) {
      throw new BadSignatureException("signature is not base64");
    }
    byte[] signed = offer.manifest().getBytes(StandardCharsets.UTF_8);
    if (!verify(signed, signature)) {
      throw new BadSignatureException("signature does not match the manifest");
    }
    try {
      JsonNode manifest = JSON.readTree(signed);
      if (manifest == null || !manifest.isObject()) {
        throw new BadSignatureException("manifest is not a JSON object");
      }
      return manifest;
    } catch (IOException e) {
      throw new BadSignatureException("manifest is not JSON");
    }
  }

  private boolean verify(byte[] data, byte[] signatureBytes) {
    try {
      Signature signature = Signature.getInstance(ALGORITHM);
      signature.initVerify(publicKey);
      signature.update(data);
      return signature.verify(signatureBytes);
    } catch (GeneralSecurityException e) {
      // A malformed signature (wrong length, not a curve point) is simply not a valid one.
      return false;
    }
  }
}
