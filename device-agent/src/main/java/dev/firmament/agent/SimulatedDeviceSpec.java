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
 */
public record SimulatedDeviceSpec(String deviceId, String initialVersion) {

  public SimulatedDeviceSpec {
    if (!Topics.isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("invalid device id: " + deviceId);
    }
    Objects.requireNonNull(initialVersion, "initialVersion");
  }

  /** {@code count} devices {@code prefix-00000}, {@code prefix-00001}, ... all on one version. */
  public static List<SimulatedDeviceSpec> numbered(
      String prefix, int count, String initialVersion) {
    List<SimulatedDeviceSpec> specs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      specs.add(new SimulatedDeviceSpec(String.format("%s-%05d", prefix, i), initialVersion));
    }
    return specs;
  }
}
