package dev.firmament.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ManifestRulesTest {

  @Test
  void anEmptyImageIsNoManifest() {
    assertThatThrownBy(
            () -> new Manifest(UUID.randomUUID(), "1.0.0", "ab".repeat(32), 0, Instant.now()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("size");
    assertThat(new Manifest(UUID.randomUUID(), "1.0.0", "ab".repeat(32), 1, Instant.now()).size())
        .isEqualTo(1);
  }

  @Test
  void signingKeysNeverPrintThePrivateKey() {
    SigningKeys keys = SigningKeys.generate();

    assertThat(keys.toString())
        .contains(keys.publicKeyBase64())
        .doesNotContain(keys.privateKeyBase64());
  }
}
