package dev.firmament.workers.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.manifest.DowngradeGrant;
import dev.firmament.manifest.Manifest;
import dev.firmament.manifest.ManifestSigner;
import dev.firmament.manifest.SignedManifest;
import dev.firmament.manifest.SigningKeys;
import dev.firmament.protocol.Downgrade;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReleaseSigningTest {
  private final SigningKeys keys = SigningKeys.generate();
  private final UUID product = UUID.randomUUID();
  private final SignedManifest older =
      ManifestSigner.of(keys)
          .sign(new Manifest(product, "1.0.0", "ef".repeat(32), 4096, Instant.now()));

  @Test
  void aRollbackGrantNamesTheDeviceTheUpdateAndTheOlderBuildAndVerifies() {
    ReleaseSigning signing = ReleaseSigning.with(keys);
    String update = "rollout/5b0c7f5e-3a52-4d7e-9a65-0c2b9f6f1a10/rollback/dev-3";

    Downgrade downgrade =
        signing.grantDowngrade("dev-3", update, older.canonicalJson()).orElseThrow();

    DowngradeGrant grant =
        ManifestSigner.of(keys).verifier().verifyGrant(downgrade.grant(), downgrade.signature());
    assertThat(grant.deviceId()).isEqualTo("dev-3");
    assertThat(grant.updateId()).isEqualTo(update);
    assertThat(grant.productId()).isEqualTo(product);
    assertThat(grant.version()).isEqualTo("1.0.0");
    assertThat(grant.sha256()).isEqualTo("ef".repeat(32));
    assertThat(Duration.between(Instant.now(), grant.expiresAt()))
        .isBetween(
            ReleaseSigning.DOWNGRADE_GRANT_TTL.minusMinutes(1), ReleaseSigning.DOWNGRADE_GRANT_TTL);
  }

  @Test
  void withoutAKeyOrASignedBuildThereIsNoGrant() {
    assertThat(ReleaseSigning.none().grantDowngrade("dev-3", "u", older.canonicalJson())).isEmpty();
    assertThat(ReleaseSigning.with(keys).grantDowngrade("dev-3", "u", null)).isEmpty();
  }
}
