package dev.firmament.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DowngradeGrantTest {
  private static final String SHA = "cd".repeat(32);
  private final ManifestSigner signer = ManifestSigner.of(SigningKeys.generate());
  private final DowngradeGrant grant =
      new DowngradeGrant(
          UUID.fromString("6f1c2a8e-0000-4000-8000-000000000001"),
          "dev-7",
          "rollout/5b0c7f5e-3a52-4d7e-9a65-0c2b9f6f1a10/rollback/dev-7",
          "1.0.0",
          SHA,
          Instant.parse("2026-12-05T10:00:00.900Z"));

  @Test
  void canonicalJsonIsSortedCompactAndReadsBack() {
    assertThat(grant.toCanonicalJson())
        .isEqualTo(
            "{\"deviceId\":\"dev-7\",\"expiresAt\":\"2026-12-05T10:00:00Z\","
                + "\"productId\":\"6f1c2a8e-0000-4000-8000-000000000001\","
                + "\"schema\":\"firmament-downgrade-v1\",\"sha256\":\""
                + SHA
                + "\",\"updateId\":\"rollout/5b0c7f5e-3a52-4d7e-9a65-0c2b9f6f1a10/rollback/dev-7\","
                + "\"version\":\"1.0.0\"}");
    assertThat(DowngradeGrant.parseCanonical(grant.toCanonicalJson())).isEqualTo(grant);
  }

  @Test
  void aSignedGrantVerifiesAndATamperedOneDoesNot() {
    String text = grant.toCanonicalJson();
    String signature = signer.sign(grant);

    assertThat(signer.verifier().verifyGrant(text, signature)).isEqualTo(grant);
    assertThatThrownBy(
            () ->
                signer
                    .verifier()
                    .verifyGrant(text.replace("dev-7\",\"exp", "dev-8\",\"exp"), signature))
        .isInstanceOf(ManifestVerificationException.class)
        .hasMessageContaining("signature");
    assertThatThrownBy(
            () -> ManifestSigner.of(SigningKeys.generate()).verifier().verifyGrant(text, signature))
        .isInstanceOf(ManifestVerificationException.class);
  }

  @Test
  void aManifestSignatureIsNeverAGrant() {
    Manifest manifest = new Manifest(grant.productId(), "1.0.0", SHA, 10, Instant.now());
    SignedManifest signed = signer.sign(manifest);

    // Correctly signed by the release key, but a manifest: not a permission to downgrade.
    assertThatThrownBy(
            () -> signer.verifier().verifyGrant(signed.canonicalJson(), signed.signature()))
        .isInstanceOf(ManifestVerificationException.class)
        .hasMessageContaining("not a canonical");
  }

  @Test
  void nonCanonicalTextIsRefusedEvenWhenSigned() {
    String spaced = grant.toCanonicalJson().replace(",\"version\"", ", \"version\"");
    assertThatThrownBy(() -> DowngradeGrant.parseCanonical(spaced))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new DowngradeGrant(
                    grant.productId(), "dev 7", grant.updateId(), "1.0.0", SHA, Instant.now()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyFieldIsCheckedSoTheCanonicalTextNeedsNoEscapes() {
    Instant at = Instant.now();
    java.util.UUID product = grant.productId();
    for (Runnable invalid :
        new Runnable[] {
          () -> new DowngradeGrant(product, "dev-7", "u\"pdate", "1.0.0", SHA, at),
          () -> new DowngradeGrant(product, "dev-7", "update id", "1.0.0", SHA, at),
          () -> new DowngradeGrant(product, "dev-7", "update", "1.0.0 beta", SHA, at),
          () -> new DowngradeGrant(product, "dev-7", "update", "", SHA, at),
          () -> new DowngradeGrant(product, "dev-7", "update", "1.0.0", SHA.toUpperCase(), at),
          () -> new DowngradeGrant(product, "dev-7", "update", "1.0.0", "ab", at),
          () -> new DowngradeGrant(null, "dev-7", "update", "1.0.0", SHA, at),
          () -> new DowngradeGrant(product, "dev-7", "update", "1.0.0", SHA, null)
        }) {
      assertThatThrownBy(invalid::run)
          .isInstanceOfAny(IllegalArgumentException.class, NullPointerException.class);
    }
  }
}
