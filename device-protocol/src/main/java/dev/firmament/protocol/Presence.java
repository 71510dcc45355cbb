package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Device to server, retained, on {@code fw/{deviceId}/presence}. A device publishes {@code online}
 * with its version on every connect and after every install; its MQTT last will publishes {@code
 * offline} (without a version, because a will cannot change after connect).
 *
 * @param online whether the device is connected
 * @param currentVersion the running version; required when online, absent in the last will
 * @param info what the device says about itself (platform, hardware, radio, boot loader and system
 *     versions), when online; optional
 * @param cloud the functions and variables the device lets the cloud reach, when online; optional
 *     (absent: what was declared before stays)
 * @param capabilities the artifact kinds the device installs, when online; optional (absent: {@link
 *     DeviceCapabilities#DEFAULT})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Presence(
    boolean online,
    String currentVersion,
    DeviceInfo info,
    CloudInterface cloud,
    DeviceCapabilities capabilities) {

  public Presence {
    if (online) {
      Checks.requireVersion("currentVersion", currentVersion);
    }
  }

  public Presence(boolean online, String currentVersion, DeviceInfo info, CloudInterface cloud) {
    this(online, currentVersion, info, cloud, null);
  }

  public Presence(boolean online, String currentVersion, DeviceInfo info) {
    this(online, currentVersion, info, null, null);
  }

  public Presence(boolean online, String currentVersion) {
    this(online, currentVersion, null, null, null);
  }

  /** This presence, declaring {@code capabilities}. */
  public Presence withCapabilities(DeviceCapabilities capabilities) {
    return new Presence(online, currentVersion, info, cloud, capabilities);
  }

  /** An online presence. */
  public static Presence online(String currentVersion) {
    return new Presence(true, currentVersion);
  }

  /** An online presence with what the device says about itself. */
  public static Presence online(String currentVersion, DeviceInfo info) {
    return new Presence(true, currentVersion, info);
  }

  /** An online presence with what the device says about itself and what it lets the cloud reach. */
  public static Presence online(String currentVersion, DeviceInfo info, CloudInterface cloud) {
    return new Presence(true, currentVersion, info, cloud);
  }

  /** The last-will presence. */
  public static Presence offline() {
    return new Presence(false, null);
  }
}
