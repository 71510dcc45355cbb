package dev.firmament.agent;

import dev.firmament.manifest.FirmwareVersion;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.UpdateOffer;
import java.time.Clock;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Whether a device takes an offer, and whether the image it downloaded is the signed one.
 *
 * <p>An offer is refused, in this order, when its signature does not hold ({@code BAD_SIGNATURE},
 * checked by the {@link OfferVerifier} before any byte is downloaded), when it is a delta and the
 * device keeps no base image ({@code UNSUPPORTED_ARTIFACT}) or runs another base version ({@code
 * WRONG_BASE_VERSION}), when it is a downgrade without the rollback flag ({@code
 * DOWNGRADE_REFUSED}), and when it does not fit a slot ({@code NO_SPACE}). An offer of the running
 * version succeeds at once. Everything else is downloaded.
 */
final class OfferPolicy {

  /**
   * What the device does: proceed, or end the update in {@code outcome} with {@code code}.
   *
   * @param outcome the terminal state to report, or null to proceed
   * @param code the error code, or null for none
   * @param detail why, for the report
   */
  record Decision(DeviceState outcome, ErrorCode code, String detail) {

    static final Decision PROCEED = new Decision(null, null, null);

    static Decision end(DeviceState outcome, ErrorCode code, String detail) {
      return new Decision(Objects.requireNonNull(outcome, "outcome"), code, detail);
    }

    boolean proceeds() {
      return outcome == null;
    }
  }

  private final OfferVerifier verifier;
  private final long slotCapacity;
  private final String deviceId;
  private final Clock clock;

  /**
   * @param verifier checks release signatures
   * @param slotCapacity the largest artifact that fits a slot
   * @param deviceId this device, which a downgrade grant must name
   * @param clock the device's clock, against which a downgrade grant expires
   */
  OfferPolicy(OfferVerifier verifier, long slotCapacity, String deviceId, Clock clock) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (slotCapacity < 1) {
      throw new IllegalArgumentException("slotCapacity must be positive");
    }
    this.slotCapacity = slotCapacity;
  }

  /**
   * Decides on a new offer.
   *
   * @param runningVersion the device's running version
   * @param canApplyDeltas whether the device keeps its running image; asked only for a delta
   */
  Decision decide(UpdateOffer offer, String runningVersion, BooleanSupplier canApplyDeltas) {
    try {
      verifier.verifyOffer(offer);
    } catch (BadSignatureException e) {
      return Decision.end(DeviceState.REJECTED, ErrorCode.BAD_SIGNATURE, e.getMessage());
    }
    boolean delta = offer.artifact().kind().needsBaseImage();
    if (delta && !canApplyDeltas.getAsBoolean()) {
      return Decision.end(
          DeviceState.REJECTED,
          ErrorCode.UNSUPPORTED_ARTIFACT,
          "this device keeps no base image to apply a delta to");
    }
    if (delta && !offer.artifact().fromVersion().equals(runningVersion)) {
      return Decision.end(
          DeviceState.REJECTED,
          ErrorCode.WRONG_BASE_VERSION,
          offer.artifact().kind()
              + " applies to "
              + offer.artifact().fromVersion()
              + ", device runs "
              + runningVersion);
    }
    if (FirmwareVersion.isDowngrade(runningVersion, offer.targetVersion())) {
      try {
        verifier.verifyDowngrade(offer, deviceId, clock.instant());
      } catch (BadSignatureException e) {
        return Decision.end(
            DeviceState.REJECTED,
            ErrorCode.DOWNGRADE_REFUSED,
            "running "
                + runningVersion
                + ", offered "
                + offer.targetVersion()
                + " "
                + e.getMessage());
      }
    }
    if (offer.artifact().size() > slotCapacity) {
      return Decision.end(
          DeviceState.REJECTED,
          ErrorCode.NO_SPACE,
          offer.artifact().size() + " bytes do not fit a slot of " + slotCapacity);
    }
    if (offer.targetVersion().equals(runningVersion)) {
      return Decision.end(DeviceState.SUCCEEDED, null, "already running " + runningVersion);
    }
    return Decision.PROCEED;
  }

  /**
   * Decides on a downloaded image whose hash matched the offer: it must be the image the signed
   * manifest names, or the device fails the update ({@code FAILED}/{@code BAD_SIGNATURE}).
   */
  Decision checkImage(UpdateOffer offer, StagedImage image) {
    try {
      verifier.verifyImage(offer, image.sha256(), image.size());
      return Decision.PROCEED;
    } catch (BadSignatureException e) {
      return Decision.end(DeviceState.FAILED, ErrorCode.BAD_SIGNATURE, e.getMessage());
    }
  }
}
