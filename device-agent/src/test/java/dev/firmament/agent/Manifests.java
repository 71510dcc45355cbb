package dev.firmament.agent;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;

/**
 * Builds and signs manifests in the canonical form of {@code docs/firmware-manifest.md}, the way
 * the release side does, so that the device's check is tested against the real format.
 */
final class Manifests {

  private Manifests() {}

  static String canonical(String version, byte[] image) {
    return "{\"createdAt\":\"2026-11-25T14:00:00Z\","
        + "\"productId\":\"5b0c7f5e-3a52-4d7e-9a65-0c2b9f6f1a10\","
        + "\"schema\":\"firmament-manifest-v1\","
        + "\"sha256\":\""
        + FleetTestSupport.sha256(image)
        + "\",\"size\":"
        + image.length
        + ",\"version\":\""
        + version
        + "\"}";
  }

  static String sign(KeyPair key, String manifest) throws GeneralSecurityException {
    Signature signature = Signature.getInstance("Ed25519");
    signature.initSign(key.getPrivate());
    signature.update(manifest.getBytes(StandardCharsets.UTF_8));
    return Base64.getEncoder().encodeToString(signature.sign());
  }
}
