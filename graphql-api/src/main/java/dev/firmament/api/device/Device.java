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
    DeviceInfo info) {

  public Device {
    tags = List.copyOf(tags);
  }
}
