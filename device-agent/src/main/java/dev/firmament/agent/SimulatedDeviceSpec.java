package dev.firmament.agent;

import dev.firmament.protocol.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One device the simulator should run.
 *
 * @param deviceId its id (and MQTT client id)
 * @param initialVersion the version in its active slot at start
 * @param initialImage the image in its active slot at start, or null for a device that knows only
 *     its version (it cannot apply deltas). Shared, never copied: give every device the same array
 *     and do not modify it.
 * @param username its MQTT username, or null to connect without credentials
 * @param password its MQTT password, or null
 */
public record SimulatedDeviceSpec(
    String deviceId, String initialVersion, byte[] initialImage, String username, String password) {

  public SimulatedDeviceSpec {
    if (!Topics.isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("invalid device id: " + deviceId);
    }
    Objects.requireNonNull(initialVersion, "initialVersion");
    if (password != null && username == null) {
      throw new IllegalArgumentException("a password needs a username");
    }
  }

  /** A device that knows only its version and connects without credentials. */
  public SimulatedDeviceSpec(String deviceId, String initialVersion) {
    this(deviceId, initialVersion, null, null, null);
  }

  /** {@code count} devices {@code prefix-00000}, {@code prefix-00001}, ... all on one version. */
  public static List<SimulatedDeviceSpec> numbered(
      String prefix, int count, String initialVersion) {
    return numbered(prefix, count, initialVersion, null);
  }

  /**
   * {@code count} devices {@code prefix-00000}, {@code prefix-00001}, ... all running {@code
   * initialImage} (one shared array) as {@code initialVersion}.
   */
  public static List<SimulatedDeviceSpec> numbered(
      String prefix, int count, String initialVersion, byte[] initialImage) {
    List<SimulatedDeviceSpec> specs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      specs.add(
          new SimulatedDeviceSpec(
              String.format("%s-%05d", prefix, i), initialVersion, initialImage, null, null));
    }
    return specs;
  }

  /** This device with MQTT credentials. */
  public SimulatedDeviceSpec withCredentials(String username, String password) {
    return new SimulatedDeviceSpec(
        deviceId, initialVersion, initialImage, Objects.requireNonNull(username), password);
  }

  /** Like the record's, but shows the image's length and never the password. */
  @Override
  public String toString() {
    return "SimulatedDeviceSpec[deviceId="
        + deviceId
        + ", initialVersion="
        + initialVersion
        + ", initialImage="
        + (initialImage == null ? "none" : initialImage.length + " bytes")
        + ", username="
        + username
        + "]";
  }
}
