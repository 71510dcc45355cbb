package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Device to cloud, on {@code fw/{deviceId}/network}: the device's answer to one {@link
 * NetworkConfig}, applied or rejected with the reason. The cloud records it per device, network and
 * version.
 *
 * @param network the network
 * @param version the configuration's version
 * @param result {@code APPLIED} or {@code REJECTED}
 * @param reason why the device rejected it (1 to {@value #MAX_REASON_LENGTH} characters); absent
 *     when applied
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NetworkAck(String network, long version, String result, String reason)
    implements NetworkMessage {
  public static final int MAX_REASON_LENGTH = 200;
  public static final String APPLIED = "APPLIED";
  public static final String REJECTED = "REJECTED";

  public NetworkAck {
    Checks.require(
        NetworkSettings.isValidNetworkId(network), "network is not a network id: " + network);
    Checks.require(version >= 1, "version must be 1 or more, was " + version);
    Checks.require(
        APPLIED.equals(result) || REJECTED.equals(result),
        "result must be APPLIED or REJECTED, was " + result);
    if (REJECTED.equals(result)) {
      Checks.require(
          reason != null && !reason.isBlank() && reason.length() <= MAX_REASON_LENGTH,
          "a rejection has a reason of 1 to " + MAX_REASON_LENGTH + " characters");
    } else {
      Checks.require(reason == null, "an applied configuration has no reason");
    }
  }

  public static NetworkAck applied(String network, long version) {
    return new NetworkAck(network, version, APPLIED, null);
  }

  public static NetworkAck rejected(String network, long version, String reason) {
    return new NetworkAck(network, version, REJECTED, reason);
  }
}
