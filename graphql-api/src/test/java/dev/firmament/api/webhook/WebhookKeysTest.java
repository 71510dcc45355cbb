package dev.firmament.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.integrations.StandardWebhooks;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

public class WebhookKeysTest {
  private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
  private static final String OTHER_KEY =
      Base64.getEncoder().encodeToString("another server key of 32 bytes!!".getBytes());

  /** The settings' defaults with this server key. */
  public static WebhookProperties properties(String key) {
    return new WebhookProperties(
        key,
        "",
        true,
        Duration.ofSeconds(10),
        Duration.ofSeconds(5),
        Duration.ofHours(1),
        10,
        32,
        Duration.ofMillis(200),
        Duration.ofSeconds(30),
        Duration.ofDays(30));
  }

  @Test
  void aSecretIsDerivedFromTheKeyTheWebhookAndItsVersion() {
    WebhookKeys keys = new WebhookKeys(properties(KEY));
    UUID id = UUID.randomUUID();
    String secret = keys.secret(id, 1);
    assertThat(secret).startsWith("whsec_");
    assertThat(StandardWebhooks.key(secret)).hasSize(32);
    assertThat(keys.secret(id, 1)).isEqualTo(secret);
    assertThat(new WebhookKeys(properties(" " + KEY + "\n")).secret(id, 1)).isEqualTo(secret);
    assertThat(keys.secret(id, 2)).isNotEqualTo(secret);
    assertThat(keys.secret(UUID.randomUUID(), 1)).isNotEqualTo(secret);
    assertThat(new WebhookKeys(properties(OTHER_KEY)).secret(id, 1)).isNotEqualTo(secret);
  }

  @Test
  void headersAreSealedForOneWebhookUnderOneKey() {
    WebhookKeys keys = new WebhookKeys(properties(KEY));
    UUID id = UUID.randomUUID();
    String plain = "{\"Authorization\":\"Bearer s3cret\"}";
    String sealed = keys.seal(id, plain);
    assertThat(sealed).doesNotContain("s3cret");
    assertThat(keys.seal(id, plain)).as("a fresh nonce each time").isNotEqualTo(sealed);
    assertThat(keys.open(id, sealed)).isEqualTo(plain);
    assertThatThrownBy(() -> keys.open(UUID.randomUUID(), sealed))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new WebhookKeys(properties(OTHER_KEY)).open(id, sealed))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("secret-key");
    assertThatThrownBy(() -> keys.open(id, Base64.getEncoder().encodeToString(new byte[12])))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void withoutAKeyNothingIsDerivedAndAShortKeyIsRefused() {
    WebhookKeys none = new WebhookKeys(properties(""));
    assertThat(none.configured()).isFalse();
    assertThat(new WebhookKeys(properties(KEY)).configured()).isTrue();
    assertThatThrownBy(() -> none.secret(UUID.randomUUID(), 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("firmament.webhooks.secret-key");
    assertThatThrownBy(
            () -> new WebhookKeys(properties(Base64.getEncoder().encodeToString(new byte[31]))))
        .hasMessageContaining("at least 32 bytes");
    assertThatThrownBy(() -> new WebhookKeys(properties("not base64!")))
        .hasMessageContaining("not base64");
  }
}
