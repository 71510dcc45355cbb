package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.agent.OfferPolicy.Decision;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.UpdateOffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class OfferPolicyTest {

  private static final long CAPACITY = 1_000;
  private static final String HASH = "a".repeat(64);
  private static final BooleanSupplier KEEPS_BASE = () -> true;
  private static final BooleanSupplier NEVER_ASKED =
      () -> {
        throw new AssertionError("asked whether the device can apply deltas");
      };

  private final OfferPolicy trusting = new OfferPolicy(OfferVerifier.none(), CAPACITY);

  private static UpdateOffer full(String target, long size, boolean rollback) {
    return new UpdateOffer("u-1", target, Artifact.full(size, HASH, 100), 8, rollback, null);
  }

  private static UpdateOffer delta(String from, String target) {
    return new UpdateOffer(
        "u-1", target, new Artifact(ArtifactKind.DELTA, from, 500, HASH, 100), 8, false, null);
  }

  private static OfferVerifier refusing(String why) {
    return new OfferVerifier() {
      @Override
      public void verifyOffer(UpdateOffer offer) throws BadSignatureException {
        throw new BadSignatureException(why);
      }

      @Override
      public void verifyImage(UpdateOffer offer, String sha256, long size)
          throws BadSignatureException {
        throw new BadSignatureException(why);
      }
    };
  }

  @Test
  void aNewerVersionThatFitsIsDownloaded() {
    assertThat(trusting.decide(full("2.0.0", 500, false), "1.0.0", NEVER_ASKED).proceeds())
        .isTrue();
  }

  @Test
  void aBadSignatureRejectsBeforeAnyOtherCheck() {
    OfferPolicy policy = new OfferPolicy(refusing("unsigned release"), CAPACITY);

    // A downgrade too large for the slot: the signature still decides first.
    Decision decision = policy.decide(full("0.9.0", CAPACITY + 1, false), "1.0.0", NEVER_ASKED);

    assertThat(decision)
        .isEqualTo(Decision.end(DeviceState.REJECTED, ErrorCode.BAD_SIGNATURE, "unsigned release"));
  }

  @Test
  void aDeltaNeedsABaseImage() {
    Decision decision = trusting.decide(delta("1.0.0", "2.0.0"), "1.0.0", () -> false);

    assertThat(decision.outcome()).isEqualTo(DeviceState.REJECTED);
    assertThat(decision.code()).isEqualTo(ErrorCode.UNSUPPORTED_ARTIFACT);
  }

  @Test
  void aDeltaForAnotherBaseVersionIsRejected() {
    Decision decision = trusting.decide(delta("1.1.0", "2.0.0"), "1.0.0", KEEPS_BASE);

    assertThat(decision.code()).isEqualTo(ErrorCode.WRONG_BASE_VERSION);
    assertThat(decision.detail()).isEqualTo("delta applies to 1.1.0, device runs 1.0.0");
  }

  @Test
  void aDeltaForTheRunningVersionIsDownloaded() {
    assertThat(trusting.decide(delta("1.0.0", "2.0.0"), "1.0.0", KEEPS_BASE).proceeds()).isTrue();
  }

  @Test
  void aDowngradeIsRefusedUnlessItIsARollback() {
    Decision refused = trusting.decide(full("0.9.0", 500, false), "1.0.0", NEVER_ASKED);
    assertThat(refused.code()).isEqualTo(ErrorCode.DOWNGRADE_REFUSED);

    assertThat(trusting.decide(full("0.9.0", 500, true), "1.0.0", NEVER_ASKED).proceeds()).isTrue();
  }

  @Test
  void exactlyTheSlotCapacityFits() {
    assertThat(trusting.decide(full("2.0.0", CAPACITY, false), "1.0.0", NEVER_ASKED).proceeds())
        .isTrue();
  }

  @Test
  void oneByteOverTheSlotCapacityIsNoSpace() {
    Decision decision = trusting.decide(full("2.0.0", CAPACITY + 1, false), "1.0.0", NEVER_ASKED);

    assertThat(decision.outcome()).isEqualTo(DeviceState.REJECTED);
    assertThat(decision.code()).isEqualTo(ErrorCode.NO_SPACE);
  }

  @Test
  void theRunningVersionSucceedsAtOnce() {
    Decision decision = trusting.decide(full("1.0.0", 500, true), "1.0.0", NEVER_ASKED);

    assertThat(decision)
        .isEqualTo(Decision.end(DeviceState.SUCCEEDED, null, "already running 1.0.0"));
  }

  @Test
  void theDownloadedImageMustBeTheSignedOne() throws Exception {
    KeyPair release = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    OfferPolicy policy =
        new OfferPolicy(
            OfferVerifier.ed25519(
                Base64.getEncoder().encodeToString(release.getPublic().getEncoded())),
            CAPACITY);
    byte[] image = "the signed image".getBytes(StandardCharsets.UTF_8);
    String manifest = Manifests.canonical("2.0.0", image);
    String sha256 = FleetTestSupport.sha256(image);
    UpdateOffer offer =
        new UpdateOffer(
            "u-1",
            "2.0.0",
            Artifact.full(image.length, sha256, 100),
            8,
            false,
            Manifests.sign(release, manifest),
            manifest);

    assertThat(policy.decide(offer, "1.0.0", NEVER_ASKED).proceeds()).isTrue();
    assertThat(policy.checkImage(offer, new StagedImage(sha256, image.length)).proceeds()).isTrue();

    Decision other = policy.checkImage(offer, new StagedImage(HASH, image.length));
    assertThat(other.outcome()).isEqualTo(DeviceState.FAILED);
    assertThat(other.code()).isEqualTo(ErrorCode.BAD_SIGNATURE);
    assertThat(policy.checkImage(offer, new StagedImage(sha256, image.length + 1)).proceeds())
        .as("one byte longer than signed")
        .isFalse();
  }

  @Test
  void aSignedManifestThatIsNotCanonicalIsRefusedBeforeAnyDownload() throws Exception {
    KeyPair release = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    OfferPolicy policy =
        new OfferPolicy(
            OfferVerifier.ed25519(
                Base64.getEncoder().encodeToString(release.getPublic().getEncoded())),
            CAPACITY);
    byte[] image = "the signed image".getBytes(StandardCharsets.UTF_8);
    String sha256 = FleetTestSupport.sha256(image);
    String canonical = Manifests.canonical("2.0.0", image);
    // The same fields, correctly signed, but not in canonical form: a space after a colon, an
    // extra field, and another schema name. A device must not read anything but what was specified.
    for (String manifest :
        new String[] {
          canonical.replace("\"size\":", "\"size\": "),
          canonical.replace("}", ",\"extra\":1}"),
          canonical.replace("firmament-manifest-v1", "firmament-manifest-v2")
        }) {
      UpdateOffer offer =
          new UpdateOffer(
              "u-1",
              "2.0.0",
              Artifact.full(image.length, sha256, 100),
              8,
              false,
              Manifests.sign(release, manifest),
              manifest);

      Decision decision = policy.decide(offer, "1.0.0", NEVER_ASKED);

      assertThat(decision.proceeds()).as(manifest).isFalse();
      assertThat(decision.outcome()).isEqualTo(DeviceState.REJECTED);
      assertThat(decision.code()).isEqualTo(ErrorCode.BAD_SIGNATURE);
    }
  }
}
