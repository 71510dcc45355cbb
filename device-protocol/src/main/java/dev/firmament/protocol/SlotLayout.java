package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How a device keeps its image, in its presence's capabilities: two slots ({@code AB}, the new
 * image written beside the running one, which stays until the new one boots) or one ({@code
 * IN_PLACE}, the image rewritten where it lies by an in-place patch built for this layout).
 *
 * @param mode {@value #AB} or {@value #IN_PLACE}; a name this version of the protocol does not know
 *     is kept and served as {@code AB}
 * @param size bytes of the slot, a positive multiple of {@code segment} up to 4 GiB; required for
 *     {@code IN_PLACE}
 * @param segment bytes the device rewrites at a time and holds in RAM (a multiple of its flash's
 *     erase block), a power of two from {@value #MIN_SEGMENT} to {@value #MAX_SEGMENT}; required
 *     for {@code IN_PLACE}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SlotLayout(String mode, Long size, Integer segment) {
  public static final String AB = "AB";
  public static final String IN_PLACE = "IN_PLACE";
  public static final int MIN_SEGMENT = 512;
  public static final int MAX_SEGMENT = 1 << 20;
  public static final long MAX_SIZE = 1L << 32;

  public SlotLayout {
    Checks.require(
        mode != null && mode.matches("[A-Z][A-Z0-9_]{0,31}"),
        "capabilities.slot.mode is 1 to 32 of [A-Z0-9_], starting with a letter");
    if (segment != null) {
      Checks.require(
          segment >= MIN_SEGMENT && segment <= MAX_SEGMENT && Integer.bitCount(segment) == 1,
          "capabilities.slot.segment must be a power of two from "
              + MIN_SEGMENT
              + " to "
              + MAX_SEGMENT
              + ", was "
              + segment);
    }
    if (size != null) {
      Checks.require(
          size > 0 && size <= MAX_SIZE && (segment == null || size % segment == 0),
          "capabilities.slot.size must be positive, at most 4 GiB and a multiple of the segment,"
              + " was "
              + size);
    }
    if (IN_PLACE.equals(mode)) {
      Checks.require(
          size != null && segment != null,
          "capabilities.slot: an IN_PLACE slot needs its size and segment");
    }
  }

  /** A single slot of {@code size} bytes rewritten {@code segment} bytes at a time. */
  public static SlotLayout inPlace(long size, int segment) {
    return new SlotLayout(IN_PLACE, size, segment);
  }

  /** Whether the device rewrites its one slot in place. */
  public boolean inPlace() {
    return IN_PLACE.equals(mode);
  }
}
