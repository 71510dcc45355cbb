package dev.firmament.agent;

import dev.firmament.delta.ApplyResult;
import dev.firmament.delta.DeltaApplier;
import dev.firmament.delta.DeltaChain;
import dev.firmament.delta.io.DeltaFormatException;
import dev.firmament.delta.io.SeekableSource;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.UpdateOffer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device's {@link Installer} over its A/B {@link SlotStore}.
 *
 * <p>A delta is applied with {@link DeltaApplier} from the active slot into the inactive one: the
 * applier reads the old image by random access and writes the new one sequentially with bounded
 * buffers, so memory does not grow with the image. A patch that does not apply (a corrupted chunk,
 * a different base image) fails like a hash mismatch: nothing is installed. A chain of patches
 * applies step by step, each step's image checked against the hash the chain gives it before the
 * next step reads it; the images between steps alternate between the inactive slot and the scratch
 * area so that the last one lands in the inactive slot. Every failure of the store is {@code
 * INTERNAL}. The health check after a boot always passes.
 */
final class SlotInstaller implements Installer {

  private static final Logger log = LoggerFactory.getLogger(SlotInstaller.class);

  private final SlotStore slots;

  SlotInstaller(SlotStore slots) {
    this.slots = Objects.requireNonNull(slots, "slots");
  }

  @Override
  public String runningVersion() {
    return slots.activeVersion();
  }

  @Override
  public SlotId activeSlot() {
    return slots.activeSlot();
  }

  @Override
  public boolean canApplyDeltas() throws InstallException {
    try (SeekableSource active = slots.openActive()) {
      return active != null;
    } catch (IOException e) {
      throw internal("cannot read the active slot: ", e);
    }
  }

  @Override
  public void prepare(UpdateOffer offer) throws InstallException {
    if (offer.artifact().kind() == ArtifactKind.DELTA_IN_PLACE) {
      throw new InstallException(
          ErrorCode.UNSUPPORTED_ARTIFACT,
          "this device has two slots and does not install in-place patches");
    }
    try {
      slots.eraseInactive();
      slots.eraseStaging();
    } catch (IOException e) {
      throw internal("cannot erase the inactive slot: ", e);
    }
  }

  @Override
  public void write(UpdateOffer offer, long offset, byte[] bytes) throws InstallException {
    boolean delta = isDelta(offer);
    try {
      if (delta) {
        slots.writeStaging(offset, bytes, 0, bytes.length);
      } else {
        slots.writeInactive(offset, bytes, 0, bytes.length);
      }
    } catch (IOException e) {
      throw internal("cannot write the " + (delta ? "staging area" : "inactive slot") + ": ", e);
    }
  }

  @Override
  public StagedImage stage(UpdateOffer offer) throws InstallException {
    if (offer.artifact().kind() == ArtifactKind.DELTA) {
      applyDelta();
    } else if (offer.artifact().kind() == ArtifactKind.DELTA_CHAIN) {
      applyChain();
    }
    StagedImage image;
    try {
      image = new StagedImage(slots.sha256Inactive(), slots.inactiveLength());
    } catch (IOException e) {
      throw internal("cannot read the inactive slot: ", e);
    }
    if (!image.sha256().equals(offer.artifact().sha256())) {
      throw new InstallException(
          ErrorCode.HASH_MISMATCH,
          "expected sha256 " + offer.artifact().sha256() + ", got " + image.sha256());
    }
    return image;
  }

  private void applyDelta() throws InstallException {
    try (SeekableSource old = slots.openActive();
        SeekableSource patch = slots.openStaging();
        OutputStream out =
            new BufferedOutputStream(
                new AreaOutputStream(slots::writeInactive), DeltaApplier.IO_BUFFER)) {
      if (old == null) {
        throw new InstallException(ErrorCode.INTERNAL, "the active slot holds no image");
      }
      DeltaApplier.apply(old, patch, out);
    } catch (DeltaFormatException e) {
      throw new InstallException(
          ErrorCode.HASH_MISMATCH,
          "the patch does not apply to the running image: " + e.getMessage(),
          e);
    } catch (IOException | RuntimeException e) {
      throw internal("cannot apply the patch: ", e);
    } finally {
      try {
        slots.eraseStaging();
      } catch (IOException e) {
        log.debug("cannot erase the staging area: {}", e.getMessage());
      }
    }
  }

  /**
   * Applies the chain in staging. With n steps, step i (from 0) writes to the inactive slot when
   * {@code n - 1 - i} is even and to scratch otherwise, and reads what step i - 1 wrote (step 0
   * reads the active slot).
   */
  private void applyChain() throws InstallException {
    int step = 0;
    try (SeekableSource chain = slots.openStaging()) {
      List<DeltaChain.Step> steps = DeltaChain.read(chain);
      for (step = 0; step < steps.size(); step++) {
        boolean toInactive = (steps.size() - 1 - step) % 2 == 0;
        applyStep(chain, steps.get(step), step, toInactive);
      }
    } catch (DeltaFormatException e) {
      throw new InstallException(
          ErrorCode.HASH_MISMATCH,
          "step " + (step + 1) + " of the patch chain does not apply: " + e.getMessage(),
          e);
    } catch (IOException | RuntimeException e) {
      throw internal("cannot apply step " + (step + 1) + " of the patch chain: ", e);
    } finally {
      try {
        slots.eraseStaging();
        slots.eraseScratch();
      } catch (IOException e) {
        log.debug("cannot erase the staging and scratch areas: {}", e.getMessage());
      }
    }
  }

  private void applyStep(SeekableSource chain, DeltaChain.Step step, int index, boolean toInactive)
      throws IOException, InstallException {
    if (toInactive) {
      slots.eraseInactive();
    } else {
      slots.eraseScratch();
    }
    ApplyResult result;
    try (SeekableSource old =
            index == 0
                ? slots.openActive()
                : toInactive ? slots.openScratch() : slots.openInactive();
        OutputStream out =
            new BufferedOutputStream(
                toInactive
                    ? new AreaOutputStream(slots::writeInactive)
                    : new AreaOutputStream(slots::writeScratch),
                DeltaApplier.IO_BUFFER)) {
      if (old == null) {
        throw new InstallException(ErrorCode.INTERNAL, "the active slot holds no image");
      }
      result = DeltaApplier.apply(old, step.patch(chain), out);
    }
    if (!result.newSha256Hex().equals(step.sha256Hex())) {
      throw new DeltaFormatException(
          "it produced sha256 "
              + result.newSha256Hex()
              + " where the chain expects "
              + step.sha256Hex()
              + " for "
              + step.version());
    }
  }

  @Override
  public SlotId activate(String version) throws InstallException {
    SlotId previous = slots.activeSlot();
    try {
      slots.activateInactive(version);
    } catch (IOException e) {
      throw internal("cannot switch slots: ", e);
    }
    return previous;
  }

  @Override
  public void confirmBoot(SlotId previous) {
    // The reference device has no health check that can fail: the new slot stays.
  }

  @Override
  public void revertTo(SlotId slot) throws InstallException {
    try {
      slots.revertTo(slot);
    } catch (IOException e) {
      throw internal("cannot revert: ", e);
    }
  }

  @Override
  public void discard() throws InstallException {
    try {
      slots.eraseInactive();
    } catch (IOException e) {
      throw internal("cannot erase the inactive slot: ", e);
    }
  }

  /** Whether the download is a patch (or a chain of them) that goes to staging first. */
  private static boolean isDelta(UpdateOffer offer) {
    return offer.artifact().kind().needsBaseImage();
  }

  private static InstallException internal(String what, Exception cause) {
    return new InstallException(ErrorCode.INTERNAL, what + cause.getMessage(), cause);
  }

  /** Writes at an offset into one area of the store. */
  private interface AreaWriter {
    void write(long offset, byte[] data, int off, int len) throws IOException;
  }

  /** Writes the applier's output into one area of the store, front to back. */
  private static final class AreaOutputStream extends OutputStream {
    private final AreaWriter area;
    private long position;

    AreaOutputStream(AreaWriter area) {
      this.area = area;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      area.write(position, b, off, len);
      position += len;
    }
  }
}
