package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Device to server, retained, on {@code fw/{deviceId}/presence}. A device publishes {@code online}
 * with its version on every connect and after every install; its MQTT last will publishes {@code
 * offline} (without a version, because a will cannot change after connect).
 *
 * @param online whether the device is connected
 * @param currentVersion the running version; required when online, absent in the last will
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Presence(boolean online, String currentVersion) {

  public Presence {
    if (online) {
      Checks.requireVersion("currentVersion", currentVersion);
    }
  }

  /** An online presence. */
  public static Presence online(String currentVersion) {
    return new Presence(true, currentVersion);
  }

  /** The last-will presence. */
  public static Presence offline() {
    return new Presence(false, null);
  }
}
