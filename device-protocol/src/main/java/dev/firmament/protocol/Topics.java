package dev.firmament.protocol;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * MQTT topic names of the device protocol.
 *
 * <p>Every topic of a device lives under {@code fw/{deviceId}/}. The server trusts the device id in
 * the topic, not anything inside a payload: broker ACLs restrict each client to {@code
 * fw/{clientId}/#}, so the topic is the device's authenticated identity.
 */
public final class Topics {

  /** Shared-subscription group that all worker processes join to split device traffic. */
  public static final String SHARED_GROUP = "firmament-workers";

  /** Largest device id the protocol accepts. */
  public static final int MAX_DEVICE_ID_LENGTH = 128;

  private static final String PREFIX = "fw/";
  private static final Pattern DEVICE_ID =
      Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_DEVICE_ID_LENGTH + "}");

  private Topics() {}

  /** The four topics of one device. */
  public enum Kind {
    /** Server to device, JSON commands: update offer and cancel. */
    CMD("cmd"),
    /** Server to device, binary chunk frames. */
    DATA("data"),
    /** Device to server, JSON status reports. */
    STATUS("status"),
    /** Device to server, retained JSON presence; the last will publishes "offline" here. */
    PRESENCE("presence");

    private final String segment;

    Kind(String segment) {
      this.segment = segment;
    }

    /** The last topic level, for example {@code status}. */
    public String segment() {
      return segment;
    }
  }

  /** Whether {@code deviceId} may appear in a topic: 1-128 of {@code [A-Za-z0-9._:-]}. */
  public static boolean isValidDeviceId(String deviceId) {
    return deviceId != null && DEVICE_ID.matcher(deviceId).matches();
  }

  /**
   * The topic of the given kind for one device.
   *
   * @throws IllegalArgumentException if the device id is not valid in a topic
   */
  public static String topic(String deviceId, Kind kind) {
    if (!isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("invalid device id: " + deviceId);
    }
    return PREFIX + deviceId + "/" + kind.segment();
  }

  /** {@code fw/{deviceId}/cmd}. */
  public static String cmd(String deviceId) {
    return topic(deviceId, Kind.CMD);
  }

  /** {@code fw/{deviceId}/data}. */
  public static String data(String deviceId) {
    return topic(deviceId, Kind.DATA);
  }

  /** {@code fw/{deviceId}/status}. */
  public static String status(String deviceId) {
    return topic(deviceId, Kind.STATUS);
  }

  /** {@code fw/{deviceId}/presence}. */
  public static String presence(String deviceId) {
    return topic(deviceId, Kind.PRESENCE);
  }

  /** {@code fw/+/{kind}}: every device's messages of one kind, to one subscriber. */
  public static String filter(Kind kind) {
    return PREFIX + "+/" + kind.segment();
  }

  /** {@code $share/firmament-workers/fw/+/{kind}}: one copy of each message per worker group. */
  public static String sharedFilter(Kind kind) {
    return "$share/" + SHARED_GROUP + "/" + PREFIX + "+/" + kind.segment();
  }

  /**
   * The device id of a topic {@code fw/{deviceId}/{kind}}, or empty if the topic is not of that
   * shape or the id is not valid.
   */
  public static Optional<String> deviceId(String topic, Kind kind) {
    if (topic == null || !topic.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String suffix = "/" + kind.segment();
    if (!topic.endsWith(suffix) || topic.length() <= PREFIX.length() + suffix.length()) {
      return Optional.empty();
    }
    String id = topic.substring(PREFIX.length(), topic.length() - suffix.length());
    return isValidDeviceId(id) ? Optional.of(id) : Optional.empty();
  }
}
