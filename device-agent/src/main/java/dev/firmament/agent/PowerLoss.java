package dev.firmament.agent;

/**
 * The power went: thrown by a simulated single-slot device's flash in the middle of a write, which
 * then holds half of what it was to hold. The device starts again and its boot loader goes on with
 * the apply from its journal.
 */
final class PowerLoss extends RuntimeException {
  private static final long serialVersionUID = 1L;

  PowerLoss() {
    super("power lost during a flash write", null, false, false);
  }
}
