package dev.firmament.api.webhook;

import dev.firmament.integrations.StandardWebhooks;
import dev.firmament.manifest.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * What webhooks keep secret, from one server key ({@code firmament.webhooks.secret-key}):
 *
 * <ul>
 *   <li>a webhook's signing secret is derived, HMAC-SHA256(key, id and secret version), never
 *       stored: it is shown once when it is made or rotated, and the sender derives it again for
 *       every attempt;
 *   <li>its custom headers (which often carry a receiver's credential) are stored encrypted with
 *       AES-256-GCM under a key derived the same way, the webhook's id bound in as associated data
 *       so a row's headers cannot be moved to another webhook.
 * </ul>
 *
 * Changing the server key makes every secret new (receivers must be given them again) and the
 * stored headers unreadable (they must be set again).
 */
@Component
public class WebhookKeys {
  private static final String SECRET_CONTEXT = "firmament webhook secret ";
  private static final String HEADERS_CONTEXT = "firmament webhook headers";
  private static final int NONCE_BYTES = 12;
  private static final SecureRandom RANDOM = new SecureRandom();
  private final byte[] master;

  public WebhookKeys(WebhookProperties properties) {
    String text = properties.secretKey().strip();
    byte[] decoded;
    try {
      decoded = text.isEmpty() ? new byte[0] : Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("firmament.webhooks.secret-key is not base64");
    }
    if (decoded.length > 0 && decoded.length < 32) {
      throw new IllegalArgumentException(
          "firmament.webhooks.secret-key must be at least 32 bytes, base64");
    }
    this.master = decoded;
  }

  public boolean configured() {
    return master.length > 0;
  }

  /** The webhook's signing secret, {@code whsec_} and the base64 of 32 bytes. */
  public String secret(UUID webhookId, int version) {
    return StandardWebhooks.SECRET_PREFIX
        + Base64.getEncoder()
            .encodeToString(
                Sha256.hmac(requireMaster(), SECRET_CONTEXT + webhookId + "/" + version));
  }

  /** Headers as stored: base64 of a fresh nonce and the AES-GCM ciphertext. */
  public String seal(UUID webhookId, String plaintext) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    byte[] sealed =
        crypt(Cipher.ENCRYPT_MODE, webhookId, nonce, plaintext.getBytes(StandardCharsets.UTF_8));
    byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + sealed.length);
    System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
    return Base64.getEncoder().encodeToString(out);
  }

  /**
   * Stored headers as they were sealed.
   *
   * @throws IllegalStateException when they were sealed under another key or for another webhook
   */
  public String open(UUID webhookId, String stored) {
    byte[] in = Base64.getDecoder().decode(stored);
    if (in.length <= NONCE_BYTES) {
      throw new IllegalStateException("the webhook's stored headers are not sealed");
    }
    byte[] plain =
        crypt(
            Cipher.DECRYPT_MODE,
            webhookId,
            Arrays.copyOf(in, NONCE_BYTES),
            Arrays.copyOfRange(in, NONCE_BYTES, in.length));
    return new String(plain, StandardCharsets.UTF_8);
  }

  private byte[] crypt(int mode, UUID webhookId, byte[] nonce, byte[] input) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          mode,
          new SecretKeySpec(Sha256.hmac(requireMaster(), HEADERS_CONTEXT), "AES"),
          new GCMParameterSpec(128, nonce));
      cipher.updateAAD(webhookId.toString().getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(input);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "the webhook's headers cannot be read with this firmament.webhooks.secret-key", e);
    }
  }

  private byte[] requireMaster() {
    if (!configured()) {
      throw new IllegalStateException("firmament.webhooks.secret-key is not set");
    }
    return master;
  }
}
