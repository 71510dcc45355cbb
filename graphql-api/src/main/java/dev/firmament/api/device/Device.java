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
    List<String> artifactKinds) {

  /** What a device that never declared its artifact kinds is offered (docs/device-protocol.md). */
  public static final List<String> DEFAULT_ARTIFACT_KINDS = List.of("FULL", "DELTA");

  public Device {
    tags = List.copyOf(tags);
    artifactKinds = artifactKinds == null ? DEFAULT_ARTIFACT_KINDS : List.copyOf(artifactKinds);
  }
}
