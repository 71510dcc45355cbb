package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.agent.OfferPolicy.Decision;
import dev.firmament.manifest.DowngradeGrant;
import dev.firmament.manifest.Manifest;
import dev.firmament.manifest.ManifestSigner;
import dev.firmament.manifest.SignedManifest;
import dev.firmament.manifest.SigningKeys;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.Downgrade;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.UpdateOffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class OfferPolicyTest {

  private static final long CAPACITY = 1_000;
  private static final String DEVICE = "dev-1";
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final String HASH = "a".repeat(64);
  private static final BooleanSupplier KEEPS_BASE = () -> true;
  private static final BooleanSupplier NEVER_ASKED =
      () -> {
        throw new AssertionError("asked whether the device can apply deltas");
      };

  private final OfferPolicy trusting =
      new OfferPolicy(OfferVerifier.none(), CAPACITY, DEVICE, CLOCK);

  private static UpdateOffer full(String target, long size, boolean rollback) {
    return new UpdateOffer("u-1", target, Artifact.full(size, HASH, 100), 8, rollback, null);
  }

  private static UpdateOffer delta(String from, String target) {
    return patch(ArtifactKind.DELTA, from, target);
  }

  private static UpdateOffer patch(ArtifactKind kind, String from, String target) {
    return new UpdateOffer("u-1", target, new Artifact(kind, from, 500, HASH, 100), 8, false, null);
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

      @Override
      public void verifyDowngrade(UpdateOffer offer, String deviceId, Instant now)
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
    OfferPolicy policy = new OfferPolicy(refusing("unsigned release"), CAPACITY, DEVICE, CLOCK);

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
    assertThat(decision.detail()).isEqualTo("DELTA applies to 1.1.0, device runs 1.0.0");
  }

  @Test
  void aChainOfPatchesIsJudgedLikeOnePatch() {
    assertThat(
            trusting
                .decide(patch(ArtifactKind.DELTA_CHAIN, "1.0.0", "3.0.0"), "1.0.0", KEEPS_BASE)
                .proceeds())
        .isTrue();
    Decision noBase =
        trusting.decide(patch(ArtifactKind.DELTA_CHAIN, "1.0.0", "3.0.0"), "1.0.0", () -> false);
    assertThat(noBase.code()).isEqualTo(ErrorCode.UNSUPPORTED_ARTIFACT);
    Decision otherBase =
        trusting.decide(patch(ArtifactKind.DELTA_CHAIN, "1.1.0", "3.0.0"), "1.0.0", KEEPS_BASE);
    assertThat(otherBase.code()).isEqualTo(ErrorCode.WRONG_BASE_VERSION);
    assertThat(otherBase.detail()).isEqualTo("DELTA_CHAIN applies to 1.1.0, device runs 1.0.0");
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
            CAPACITY,
            DEVICE,
            CLOCK);
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
            CAPACITY,
            DEVICE,
            CLOCK);
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

  @Test
  void aSignedDowngradeNeedsAGrantForThisDeviceUpdateBuildAndTime() throws Exception {
    SigningKeys keys = SigningKeys.generate();
    ManifestSigner release = ManifestSigner.of(keys);
    UUID product = UUID.randomUUID();
    OfferPolicy policy =
        new OfferPolicy(
            OfferVerifier.ed25519(keys.publicKeyBase64(), product), CAPACITY, DEVICE, CLOCK);
    byte[] image = "the older image".getBytes(StandardCharsets.UTF_8);
    String sha256 = FleetTestSupport.sha256(image);
    SignedManifest manifest =
        release.sign(
            new Manifest(product, "1.0.0", sha256, image.length, NOW.minusSeconds(86_400)));
    String updateId = "rollout/5b0c7f5e-3a52-4d7e-9a65-0c2b9f6f1a10/rollback/" + DEVICE;
    DowngradeGrant grant =
        new DowngradeGrant(product, DEVICE, updateId, "1.0.0", sha256, NOW.plusSeconds(3600));
    java.util.function.Function<DowngradeGrant, UpdateOffer> offer =
        g ->
            new UpdateOffer(
                updateId,
                "1.0.0",
                Artifact.full(image.length, sha256, 100),
                8,
                true,
                manifest.signature(),
                manifest.canonicalJson(),
                g == null ? null : new Downgrade(g.toCanonicalJson(), release.sign(g)));

    assertThat(policy.decide(offer.apply(grant), "2.0.0", NEVER_ASKED).proceeds()).isTrue();

    // The rollback flag alone, a forged or borrowed grant, an expired one: all refused.
    Map<String, UpdateOffer> refused = new LinkedHashMap<>();
    refused.put("no grant", offer.apply(null));
    refused.put(
        "another device",
        offer.apply(
            new DowngradeGrant(product, "dev-2", updateId, "1.0.0", sha256, grant.expiresAt())));
    refused.put(
        "another update",
        offer.apply(
            new DowngradeGrant(
                product, DEVICE, updateId + "x", "1.0.0", sha256, grant.expiresAt())));
    refused.put(
        "another build",
        offer.apply(
            new DowngradeGrant(product, DEVICE, updateId, "1.0.0", HASH, grant.expiresAt())));
    refused.put(
        "expired",
        offer.apply(
            new DowngradeGrant(product, DEVICE, updateId, "1.0.0", sha256, NOW.minusSeconds(1))));
    UpdateOffer good = offer.apply(grant);
    refused.put(
        "signed by another key",
        new UpdateOffer(
            good.updateId(),
            good.targetVersion(),
            good.artifact(),
            8,
            true,
            good.signature(),
            good.manifest(),
            new Downgrade(
                grant.toCanonicalJson(), ManifestSigner.of(SigningKeys.generate()).sign(grant))));
    refused.forEach(
        (why, candidate) -> {
          Decision decision = policy.decide(candidate, "2.0.0", NEVER_ASKED);
          assertThat(decision.outcome()).as(why).isEqualTo(DeviceState.REJECTED);
          assertThat(decision.code()).as(why).isEqualTo(ErrorCode.DOWNGRADE_REFUSED);
        });
  }

  @Test
  void aSignedBuildOfAnotherProductIsRefused() {
    SigningKeys keys = SigningKeys.generate();
    ManifestSigner release = ManifestSigner.of(keys);
    OfferPolicy policy =
        new OfferPolicy(
            OfferVerifier.ed25519(keys.publicKeyBase64(), UUID.randomUUID()),
            CAPACITY,
            DEVICE,
            CLOCK);
    byte[] image = "an image of another product".getBytes(StandardCharsets.UTF_8);
    String sha256 = FleetTestSupport.sha256(image);
    SignedManifest manifest =
        release.sign(new Manifest(UUID.randomUUID(), "2.0.0", sha256, image.length, NOW));
    UpdateOffer offer =
        new UpdateOffer(
            "u-1",
            "2.0.0",
            Artifact.full(image.length, sha256, 100),
            8,
            false,
            manifest.signature(),
            manifest.canonicalJson());

    Decision decision = policy.decide(offer, "1.0.0", NEVER_ASKED);

    assertThat(decision.outcome()).isEqualTo(DeviceState.REJECTED);
    assertThat(decision.code()).isEqualTo(ErrorCode.BAD_SIGNATURE);
    assertThat(decision.detail()).contains("product");
  }

  @Test
  void anUnsignedOfferIsRefusedBySaying() {
    SigningKeys keys = SigningKeys.generate();
    OfferPolicy policy =
        new OfferPolicy(OfferVerifier.ed25519(keys.publicKeyBase64()), CAPACITY, DEVICE, CLOCK);
    UpdateOffer unsigned = full("2.0.0", 500, false);

    Decision offered = policy.decide(unsigned, "1.0.0", NEVER_ASKED);
    Decision staged = policy.checkImage(unsigned, new StagedImage(HASH, 500));

    assertThat(offered.code()).isEqualTo(ErrorCode.BAD_SIGNATURE);
    assertThat(offered.detail()).isEqualTo("offer is not signed");
    assertThat(staged.code()).isEqualTo(ErrorCode.BAD_SIGNATURE);
    assertThat(staged.detail()).isEqualTo("offer is not signed");
  }

  @Test
  void aSlotHoldsAtLeastOneByte() {
    assertThat(new OfferPolicy(OfferVerifier.none(), 1, DEVICE, CLOCK)).isNotNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new OfferPolicy(OfferVerifier.none(), 0, DEVICE, CLOCK))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
