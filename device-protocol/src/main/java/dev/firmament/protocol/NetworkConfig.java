package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Cloud to device, on {@code fw/{deviceId}/cmd} ({@code "type": "network"}): the configuration of
 * the private network the device is a member of, or the device's removal from it
 * (docs/device-protocol.md, "Networks").
 *
 * <p>A device is a member of at most one network, so it holds at most one configuration. It applies
 * a configuration when it names another network than the one it holds, a higher version, or the
 * same version with another role; a late or repeated one changes nothing. It answers each one it
 * applies or rejects with a {@link NetworkAck}.
 *
 * @param network the network's id
 * @param version the configuration's version, 1 or more; for a removal, the version the network was
 *     at (0 when it had none)
 * @param kind MESH, VLAN or PRIVATE_APN; absent for a removal
 * @param role the device's role in the network, GATEWAY or NODE; absent for a removal
 * @param settings the configuration, within {@link NetworkSettings}' rules for the kind; absent for
 *     a removal, and the device drops the configuration it holds of that network
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NetworkConfig(
    String network, long version, String kind, String role, ObjectNode settings)
    implements Command {
  public NetworkConfig {
    Checks.require(
        NetworkSettings.isValidNetworkId(network),
        "network must be 1 to "
            + NetworkSettings.MAX_NETWORK_ID_LENGTH
            + " characters of [A-Za-z0-9-], was "
            + network);
    if (settings == null) {
      Checks.require(
          kind == null && role == null, "a removal (no settings) carries no kind and no role");
      Checks.require(version >= 0, "version must be 0 or more, was " + version);
    } else {
      Checks.require(version >= 1, "version must be 1 or more, was " + version);
      Checks.require(
          role != null && NetworkSettings.ROLES.contains(role),
          "role must be GATEWAY or NODE, was " + role);
      NetworkSettings.require(kind, settings);
    }
  }

  /** The device's removal from {@code network}, which was at {@code version}. */
  public static NetworkConfig removal(String network, long version) {
    return new NetworkConfig(network, version, null, null, null);
  }

  /** Whether the device drops the configuration it holds of the network. */
  @JsonIgnore
  public boolean isRemoval() {
    return settings == null;
  }
}
