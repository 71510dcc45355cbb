package dev.firmament.agent;

import dev.firmament.protocol.SlotLayout;
import dev.firmament.protocol.UpdateOffer;

/**
 * How a device puts a downloaded update in place: the A/B half of the device protocol, without the
 * messages. The agent decides when each step happens; the installer does it and says what failed
 * with an {@link InstallException} carrying the code to report.
 *
 * <p>A download goes to the inactive slot (a full image) or to a staging area (a delta patch).
 * {@link #stage} turns it into a verified image in the inactive slot, {@link #activate} boots it,
 * and {@link #confirmBoot} is the health check after that boot. The running slot is never written.
 *
 * <p>{@link SlotInstaller} is the device's installer; the fleet simulator wraps it in a {@link
 * FaultInjector}. Not thread-safe: an agent uses its installer from one task at a time.
 */
interface Installer {

  /** How the device keeps its image; null for two slots (A/B). */
  default SlotLayout slotLayout() {
    return null;
  }

  /** The version of the running slot. */
  String runningVersion();

  /** The slot the device runs from. */
  SlotId activeSlot();

  /** Whether the device keeps the running image's bytes, which a delta is applied to. */
  boolean canApplyDeltas() throws InstallException;

  /** Empties the inactive slot and the staging area before a download. */
  void prepare(UpdateOffer offer) throws InstallException;

  /** Writes downloaded bytes at {@code offset}, into the inactive slot or the staging area. */
  void write(UpdateOffer offer, long offset, byte[] bytes) throws InstallException;

  /**
   * With all bytes in: applies a delta from the running slot into the inactive one, then checks
   * that the inactive slot holds the offer's image.
   *
   * @throws InstallException {@code HASH_MISMATCH} if it does not, or the patch does not apply
   */
  StagedImage stage(UpdateOffer offer) throws InstallException;

  /**
   * Boots the inactive slot, which then runs {@code version}.
   *
   * @return the slot that ran before, to go back to
   * @throws InstallException {@code BOOT_FAILED} if the new slot did not boot and the old one runs
   */
  SlotId activate(String version) throws InstallException;

  /**
   * The health check one reboot delay after {@link #activate}.
   *
   * @param previous the slot that ran before
   * @throws InstallException {@code BOOT_FAILED} if the check failed and the device went back to
   *     {@code previous}
   */
  void confirmBoot(SlotId previous) throws InstallException;

  /** Runs {@code slot} again (a rollback); the slot must hold an installed image. */
  void revertTo(SlotId slot) throws InstallException;

  /** Empties the inactive slot after a canceled download. */
  void discard() throws InstallException;
}
