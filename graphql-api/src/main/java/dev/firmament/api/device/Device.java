package dev.firmament.api.device;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A device as the API shows it.
 *
 * @param currentVersion the firmware version the device last reported; exposed as {@code
 *     firmwareVersion { version title }}
 * @param created when it was registered
 * @param hardwareId the hardware's own identifier (a MAC address, a chip serial), or null
 * @param serialNumber the serial number on its label, or null
 * @param notes an operator's notes, or null
 * @param tags an operator's tags, for filters
 * @param firmwareLock the version the device is locked to, or null
 * @param info what the device said about itself, or null when it never did
 * @param artifactKinds the artifact kinds the device declared it installs; null (the default, FULL
 *     and DELTA) when it never did
 * @param slot how the device declared it keeps its image; null when it never did (two slots)
 * @param deltaFilters the branch filters of native patches the device declared its applier decodes;
 *     null (the legacy filters, THUMB_BL and ARM_BL) when it never named any
 * @param deltaCodecs the entropy stages of native patches the device declared its applier decodes;
 *     null (ZSTD alone) when it never named any
 */
public record Device(
    String id,
    UUID productId,
    String name,
    boolean online,
    OffsetDateTime lastHeard,
    String lastIp,
    String currentVersion,
    OffsetDateTime created,
    String hardwareId,
    String serialNumber,
    String notes,
    List<String> tags,
    String firmwareLock,
    DeviceInfo info,
    List<String> artifactKinds,
    Slot slot,
    List<String> deltaFilters,
    List<String> deltaCodecs) {

  /**
   * A device's slot layout as it declared it (docs/device-protocol.md, section 7).
   *
   * @param mode {@code AB} or {@code IN_PLACE} (or a newer mode, served as {@code AB})
   * @param size bytes of its one slot, for {@code IN_PLACE}
   * @param segment bytes it rewrites at a time, for {@code IN_PLACE}
   */
  public record Slot(String mode, Long size, Integer segment) {}

  /** What a device that never declared its artifact kinds is offered (docs/device-protocol.md). */
  public static final List<String> DEFAULT_ARTIFACT_KINDS = List.of("FULL", "DELTA");

  /**
   * The branch filters a device that never named any is taken to decode (besides no filter): every
   * applier's (docs/device-protocol.md, section 7).
   */
  public static final List<String> DEFAULT_DELTA_FILTERS = List.of("THUMB_BL", "ARM_BL");

  public Device {
    tags = List.copyOf(tags);
    artifactKinds = artifactKinds == null ? DEFAULT_ARTIFACT_KINDS : List.copyOf(artifactKinds);
    deltaFilters = deltaFilters == null ? DEFAULT_DELTA_FILTERS : List.copyOf(deltaFilters);
    deltaCodecs = deltaCodecs == null ? List.of("ZSTD") : List.copyOf(deltaCodecs);
  }
}
