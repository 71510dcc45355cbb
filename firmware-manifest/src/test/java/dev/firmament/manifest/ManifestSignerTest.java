package dev.firmament.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ManifestSignerTest {
  private static final String SHA = "ab".repeat(32);
  private final SigningKeys keys = SigningKeys.generate();
  private final ManifestSigner signer = ManifestSigner.of(keys);
  private final Manifest manifest =
      new Manifest(
          UUID.fromString("6f1c2a8e-0000-4000-8000-000000000001"),
          "1.2.3+build.7",
          SHA,
          102_432,
          Instant.parse("2026-11-25T15:01:07.123456Z"));

  @Test
  void canonicalJsonIsSortedCompactAndStable() {
    assertThat(manifest.toCanonicalJson())
        .isEqualTo(
            "{\"createdAt\":\"2026-11-25T15:01:07Z\","
                + "\"productId\":\"6f1c2a8e-0000-4000-8000-000000000001\","
                + "\"schema\":\"firmament-manifest-v1\","
                + "\"sha256\":\""
                + SHA
                + "\",\"size\":102432,\"version\":\"1.2.3+build.7\"}");
    assertThat(Manifest.parseCanonical(manifest.toCanonicalJson())).isEqualTo(manifest);
  }

  @Test
  void signatureRoundTripsThroughTheVerifier() {
    SignedManifest signed = signer.sign(manifest);

    assertThat(Base64.getDecoder().decode(signed.signature())).hasSize(64);
    ManifestVerifier verifier = ManifestVerifier.of(keys.publicKeyBase64());
    assertThat(verifier.verify(signed.canonicalJson(), signed.signature())).isEqualTo(manifest);
    assertThat(verifier.verifyImage(signed.canonicalJson(), signed.signature(), SHA, 102_432))
        .isEqualTo(manifest);
  }

  @Test
  void tamperedManifestOrSignatureIsRefused() {
    SignedManifest signed = signer.sign(manifest);
    ManifestVerifier verifier = signer.verifier();

    String otherHash = signed.canonicalJson().replace(SHA, "cd".repeat(32));
    assertThatThrownBy(() -> verifier.verify(otherHash, signed.signature()))
        .isInstanceOf(ManifestVerificationException.class);
    String spaced = signed.canonicalJson().replace(",", ", ");
    assertThatThrownBy(() -> verifier.verify(spaced, signed.signature()))
        .isInstanceOf(ManifestVerificationException.class);

    byte[] raw = Base64.getDecoder().decode(signed.signature());
    raw[10] ^= 1;
    String flipped = Base64.getEncoder().encodeToString(raw);
    assertThatThrownBy(() -> verifier.verify(signed.canonicalJson(), flipped))
        .isInstanceOf(ManifestVerificationException.class);
    assertThatThrownBy(() -> verifier.verify(signed.canonicalJson(), "not base64!"))
        .isInstanceOf(ManifestVerificationException.class);
    assertThatThrownBy(() -> verifier.verify(signed.canonicalJson(), "AAAA"))
        .isInstanceOf(ManifestVerificationException.class);
  }

  @Test
  void anotherKeyOrAnotherImageDoesNotVerify() {
    SignedManifest signed = signer.sign(manifest);
    ManifestVerifier stranger = ManifestVerifier.of(SigningKeys.generate().publicKeyBase64());

    assertThatThrownBy(() -> stranger.verify(signed.canonicalJson(), signed.signature()))
        .isInstanceOf(ManifestVerificationException.class);
    assertThatThrownBy(
            () ->
                signer
                    .verifier()
                    .verifyImage(signed.canonicalJson(), signed.signature(), SHA, 102_431))
        .isInstanceOf(ManifestVerificationException.class);
  }

  @Test
  void mismatchedOrMalformedKeysFailAtConstruction() {
    SigningKeys other = SigningKeys.generate();
    assertThatThrownBy(
            () ->
                ManifestSigner.of(
                    new SigningKeys(keys.privateKeyBase64(), other.publicKeyBase64())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not belong");
    assertThatThrownBy(() -> ManifestSigner.of(new SigningKeys("", keys.publicKeyBase64())))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ManifestVerifier.of("bm90IGEga2V5"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(keys.toString()).doesNotContain(keys.privateKeyBase64());
  }
}
