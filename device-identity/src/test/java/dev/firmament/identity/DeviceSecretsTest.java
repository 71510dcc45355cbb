package dev.firmament.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeviceSecretsTest {
  @Test
  void aSecretMatchesOnlyItsOwnHash() {
    String secret = DeviceSecrets.generate();
    String other = DeviceSecrets.generate();
    String stored = DeviceSecrets.hash(secret);

    assertThat(secret).hasSize(32).isNotEqualTo(other);
    assertThat(stored).hasSize(64).doesNotContain(secret);
    assertThat(DeviceSecrets.matches(secret.getBytes(StandardCharsets.UTF_8), stored)).isTrue();
    assertThat(DeviceSecrets.matches(other.getBytes(StandardCharsets.UTF_8), stored)).isFalse();
    assertThat(DeviceSecrets.matches(new byte[0], stored)).isFalse();
    assertThat(DeviceSecrets.matches(null, stored)).isFalse();
    assertThat(DeviceSecrets.matches(secret.getBytes(StandardCharsets.UTF_8), null)).isFalse();
  }
}
