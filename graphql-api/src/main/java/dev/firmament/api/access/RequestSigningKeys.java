package dev.firmament.api.access;

import dev.firmament.manifest.Sha256;
import java.util.Base64;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Secrets of request-signing keys, derived rather than stored: a key's secret is HMAC-SHA256(master
 * key, key id). The database holds no secret at all; rotating the master key ({@code
 * firmament.security.request-signing-key}, base64, at least 32 bytes) invalidates every key.
 */
@Component
public class RequestSigningKeys {
  private static final String CONTEXT = "firmament request signing key ";
  private final byte[] master;

  public RequestSigningKeys(@Value("${firmament.security.request-signing-key:}") String master) {
    byte[] decoded = master.isBlank() ? new byte[0] : Base64.getDecoder().decode(master.strip());
    if (decoded.length > 0 && decoded.length < 32) {
      throw new IllegalArgumentException(
          "firmament.security.request-signing-key must be at least 32 bytes, base64");
    }
    this.master = decoded;
  }

  public boolean configured() {
    return master.length > 0;
  }

  /** The key's secret as the client holds it (base64url of 32 bytes). */
  public String secretFor(String keyId) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes(keyId));
  }

  /** The key's secret as raw bytes, the HMAC key of its signatures. */
  public byte[] secretBytes(String keyId) {
    if (!configured()) {
      throw new IllegalStateException("request signing is not configured");
    }
    return Sha256.hmac(master, CONTEXT + keyId);
  }
}
