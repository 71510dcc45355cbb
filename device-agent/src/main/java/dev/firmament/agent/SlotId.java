package dev.firmament.agent;

/** One of the two firmware slots of an A/B device. */
public enum SlotId {
  A,
  B;

  /** The other slot. */
  public SlotId other() {
    return this == A ? B : A;
  }
}
