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
  private static final String REPLY = "reply";
  private static final Pattern DEVICE_ID =
      Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_DEVICE_ID_LENGTH + "}");

  private Topics() {}

  /**
   * The fixed topics of one device (its replies have a topic per API instance, see {@link #reply}).
   */
  public enum Kind {
    /** Server to device, JSON commands: update offer and cancel. */
    CMD("cmd"),
    /** Server to device, binary chunk frames. */
    DATA("data"),
    /** Device to server, JSON status reports. */
    STATUS("status"),
    /** Device to server, retained JSON presence; the last will publishes "offline" here. */
    PRESENCE("presence"),
    /** Cloud to device, JSON function calls and variable reads (MQTT 5 request/response). */
    CALL("call"),
    /** Device to server, JSON named events. */
    EVENTS("events"),
    /** Device to server, JSON vitals and log lines. */
    TELEMETRY("telemetry"),
    /** Device to server, JSON ledger sync requests and device-to-cloud ledger writes. */
    LEDGER("ledger"),
    /** Device to server, JSON network configuration syncs and acknowledgements. */
    NETWORK("network");

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

  /** {@code fw/{deviceId}/call}. */
  public static String call(String deviceId) {
    return topic(deviceId, Kind.CALL);
  }

  /** {@code fw/{deviceId}/events}. */
  public static String events(String deviceId) {
    return topic(deviceId, Kind.EVENTS);
  }

  /** {@code fw/{deviceId}/telemetry}. */
  public static String telemetry(String deviceId) {
    return topic(deviceId, Kind.TELEMETRY);
  }

  /** {@code fw/{deviceId}/ledger}. */
  public static String ledger(String deviceId) {
    return topic(deviceId, Kind.LEDGER);
  }

  /** {@code fw/{deviceId}/network}. */
  public static String network(String deviceId) {
    return topic(deviceId, Kind.NETWORK);
  }

  /** Whether {@code instance} may name an API instance in a reply topic: as a device id. */
  public static boolean isValidInstance(String instance) {
    return isValidDeviceId(instance);
  }

  /**
   * {@code fw/{deviceId}/reply/{instance}}: where the device answers a call of one API instance
   * (the call's MQTT 5 response topic).
   *
   * @throws IllegalArgumentException if the device id or the instance is not valid in a topic
   */
  public static String reply(String deviceId, String instance) {
    if (!isValidInstance(instance)) {
      throw new IllegalArgumentException("invalid instance: " + instance);
    }
    if (!isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("invalid device id: " + deviceId);
    }
    return PREFIX + deviceId + "/" + REPLY + "/" + instance;
  }

  /** {@code fw/+/reply/{instance}}: every device's answers to one API instance. */
  public static String replyFilter(String instance) {
    if (!isValidInstance(instance)) {
      throw new IllegalArgumentException("invalid instance: " + instance);
    }
    return PREFIX + "+/" + REPLY + "/" + instance;
  }

  /**
   * The device id of a reply topic {@code fw/{deviceId}/reply/{instance}} for this instance, or
   * empty if the topic is not of that shape.
   */
  public static Optional<String> replyDeviceId(String topic, String instance) {
    String suffix = "/" + REPLY + "/" + instance;
    if (topic == null || !topic.startsWith(PREFIX) || !topic.endsWith(suffix)) {
      return Optional.empty();
    }
    String id = topic.substring(PREFIX.length(), topic.length() - suffix.length());
    return isValidDeviceId(id) ? Optional.of(id) : Optional.empty();
  }

  /** Whether {@code topic} is a reply topic of this device, {@code fw/{deviceId}/reply/{any}}. */
  public static boolean isReplyTopicOf(String deviceId, String topic) {
    String prefix = PREFIX + deviceId + "/" + REPLY + "/";
    return isValidDeviceId(deviceId)
        && topic != null
        && topic.startsWith(prefix)
        && isValidInstance(topic.substring(prefix.length()));
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
