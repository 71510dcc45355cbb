package dev.firmament.agent;

import dev.firmament.delta.inplace.InPlaceApplier;
import dev.firmament.delta.io.DeltaFormatException;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.SlotLayout;
import dev.firmament.protocol.UpdateOffer;
import java.io.IOException;
import java.util.Objects;

/**
 * The {@link Installer} of a device with one flash slot ({@link InPlaceStore}): it installs only
 * in-place patches built for its layout (docs/delta-format.md, section 10).
 *
 * <p>The patch is downloaded into the download area. {@link #stage} is the apply's dry run: the
 * whole patch against the running image, writing nothing, giving the new image's hash for the
 * offer's and the signed manifest's checks. {@link #activate} is the boot loader rewriting the slot
 * in place, step by step with its journal; a power loss in it ({@link PowerLoss}) leaves the
 * journal saying where it got, and the next {@link #activate} goes on from there. There is no other
 * slot to go back to: the health check always passes and a rollback is an update to the older
 * version.
 */
final class InPlaceInstaller implements Installer {
  private final InPlaceStore store;

  InPlaceInstaller(InPlaceStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  @Override
  public SlotLayout slotLayout() {
    return store.layout();
  }

  @Override
  public String runningVersion() {
    return store.version();
  }

  @Override
  public SlotId activeSlot() {
    return SlotId.A;
  }

  @Override
  public boolean canApplyDeltas() {
    return true;
  }

  @Override
  public void prepare(UpdateOffer offer) throws InstallException {
    if (offer.artifact().kind() != ArtifactKind.DELTA_IN_PLACE) {
      throw new InstallException(
          ErrorCode.UNSUPPORTED_ARTIFACT,
          "this device has one slot and installs in-place patches only, not "
              + offer.artifact().kind());
    }
    if (offer.artifact().size() > store.downloadCapacity()) {
      throw new InstallException(
          ErrorCode.NO_SPACE,
          offer.artifact().size()
              + " bytes do not fit the download area of "
              + store.downloadCapacity());
    }
    try {
      store.eraseDownload();
    } catch (IOException e) {
      throw internal("cannot erase the download area: ", e);
    }
  }

  @Override
  public void write(UpdateOffer offer, long offset, byte[] bytes) throws InstallException {
    try {
      store.writeDownload(offset, bytes);
    } catch (IOException e) {
      throw internal("cannot write the download area: ", e);
    }
  }

  @Override
  public StagedImage stage(UpdateOffer offer) throws InstallException {
    byte[] patch = store.downloaded();
    InPlaceApplier.Info info;
    try {
      info = InPlaceApplier.dryRun(patch, store);
    } catch (DeltaFormatException e) {
      throw new InstallException(
          ErrorCode.HASH_MISMATCH,
          "the in-place patch does not apply to the running image: " + e.getMessage(),
          e);
    } catch (IOException e) {
      throw internal("cannot read the slot: ", e);
    }
    return new StagedImage(info.newSha256(), info.newSize());
  }

  /**
   * Rewrites the slot with the downloaded patch, or goes on where a power loss stopped it.
   *
   * @throws PowerLoss when the power goes during a write (the journal says how far it got)
   */
  @Override
  public SlotId activate(String version) throws InstallException {
    try {
      InPlaceApplier.apply(store.downloaded(), store, store);
      store.installed(version);
    } catch (DeltaFormatException e) {
      // The dry run passed: the flash does not hold what was written.
      throw new InstallException(
          ErrorCode.INTERNAL, "the in-place apply failed: " + e.getMessage(), e);
    } catch (IOException e) {
      throw internal("cannot rewrite the slot: ", e);
    }
    return SlotId.A;
  }

  @Override
  public void confirmBoot(SlotId previous) {
    // One slot: nothing to go back to, the new image stays.
  }

  @Override
  public void revertTo(SlotId slot) throws InstallException {
    throw new InstallException(
        ErrorCode.INTERNAL, "a single-slot device has no other slot to go back to");
  }

  @Override
  public void discard() throws InstallException {
    try {
      store.eraseDownload();
    } catch (IOException e) {
      throw internal("cannot erase the download area: ", e);
    }
  }

  private static InstallException internal(String what, Exception cause) {
    return new InstallException(ErrorCode.INTERNAL, what + cause.getMessage(), cause);
  }
}
