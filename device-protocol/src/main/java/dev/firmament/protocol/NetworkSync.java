package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Device to cloud, on {@code fw/{deviceId}/network}, at every connect: the network configuration
 * the device holds and applied, or none ({@code network} absent, {@code version} 0).
 *
 * <p>The cloud answers with the configuration the device should hold when it differs (another
 * network, a higher version, another role), a removal when the device holds a network it is no
 * longer a member of, and nothing otherwise. A device that holds the current version is taken to
 * have applied it, so an acknowledgement lost with a connection is recovered here.
 *
 * @param network the network whose configuration the device holds, or null
 * @param version its version, 0 when it holds none
 * @param role the role it holds it in, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NetworkSync(String network, long version, String role) implements NetworkMessage {
  public NetworkSync {
    if (network == null) {
      Checks.require(version == 0 && role == null, "a sync without a network has version 0");
    } else {
      Checks.require(
          NetworkSettings.isValidNetworkId(network), "network is not a network id: " + network);
      Checks.require(version >= 1, "version must be 1 or more, was " + version);
      Checks.require(
          role != null && NetworkSettings.ROLES.contains(role),
          "role must be GATEWAY or NODE, was " + role);
    }
  }

  /** A device that holds no network configuration. */
  public static NetworkSync none() {
    return new NetworkSync(null, 0, null);
  }
}
