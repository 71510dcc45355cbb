package dev.firmament.protocol.server;

import dev.firmament.protocol.BrokerAddress;
import dev.firmament.protocol.UpdateOffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * Settings of an {@link MqttDeviceGateway}.
 *
 * @param broker where the MQTT broker listens
 * @param clientId MQTT client id of the gateway; unique per worker process
 * @param window chunks in flight per delivery before the gateway waits for an acknowledgement
 * @param maxBytesInFlight payload bytes in flight over all deliveries of this gateway; a delivery
 *     that would exceed it waits until acknowledgements free room
 * @param stallTimeout how long a delivery may stay quiet (no progress, no new report) before the
 *     gateway re-offers it and re-sends from the last acknowledged offset; doubles, up to 16 times
 *     this, while the device stays quiet
 * @param directStatusSubscriptions whether the gateway also subscribes to {@code
 *     fw/{deviceId}/status} of each device it is delivering to, so that acknowledgements reach this
 *     worker even when the shared subscription hands them to another one
 * @param sharedSubscriptions whether the gateway receives the devices' messages through the worker
 *     group's shared subscriptions ({@code $share/firmament-workers/fw/+/KIND}, the default) or
 *     through plain ones ({@code fw/+/KIND}): plain only when this is the broker's one worker,
 *     since every subscriber of a plain subscription gets every message. The embedded HiveMQ CE
 *     walks a shared subscription's queue for every message acknowledged, so once a backlog builds
 *     its delivery slows with the backlog's length (docs/benchmarks.md, "Device cloud"); the
 *     all-in-one dev stack therefore subscribes plainly.
 * @param connectTimeout how long {@link MqttDeviceGateway#connect} waits for the broker
 * @param username MQTT username of the gateway's service account, or null to connect without
 *     credentials (a broker that enforces device identity requires them)
 * @param password MQTT password that goes with {@code username}, or null
 * @param tls whether to connect with TLS, trusting the JVM's certificate authorities
 * @param tlsCaFile a PEM file of the authorities to trust instead (implies TLS), or null
 */
public record GatewayOptions(
    BrokerAddress broker,
    String clientId,
    int window,
    long maxBytesInFlight,
    Duration stallTimeout,
    boolean directStatusSubscriptions,
    boolean sharedSubscriptions,
    Duration connectTimeout,
    String username,
    String password,
    boolean tls,
    Path tlsCaFile) {

  public GatewayOptions {
    Objects.requireNonNull(broker, "broker");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(stallTimeout, "stallTimeout");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    if (window < 1 || window > UpdateOffer.MAX_WINDOW) {
      throw new IllegalArgumentException("window must be in [1, " + UpdateOffer.MAX_WINDOW + "]");
    }
    if (maxBytesInFlight < 1) {
      throw new IllegalArgumentException("maxBytesInFlight must be positive");
    }
    if (password != null && username == null) {
      throw new IllegalArgumentException("a password needs a username");
    }
  }

  /**
   * Defaults for a broker URL ({@code mqtt://host:port}): window 8, 64 MiB in flight, stall timeout
   * 10 s, direct status subscriptions on, shared subscriptions, a random client id, no TLS.
   */
  public static GatewayOptions of(String brokerUrl) {
    return new GatewayOptions(
        BrokerAddress.parse(brokerUrl),
        "firmament-gateway-" + UUID.randomUUID(),
        8,
        64L << 20,
        Duration.ofSeconds(10),
        true,
        true,
        Duration.ofSeconds(10),
        null,
        null,
        false,
        null);
  }

  public GatewayOptions withClientId(String clientId) {
    return edit(b -> b.clientId = clientId);
  }

  public GatewayOptions withWindow(int window) {
    return edit(b -> b.window = window);
  }

  public GatewayOptions withMaxBytesInFlight(long maxBytesInFlight) {
    return edit(b -> b.maxBytesInFlight = maxBytesInFlight);
  }

  public GatewayOptions withStallTimeout(Duration stallTimeout) {
    return edit(b -> b.stallTimeout = stallTimeout);
  }

  public GatewayOptions withDirectStatusSubscriptions(boolean directStatusSubscriptions) {
    return edit(b -> b.directStatusSubscriptions = directStatusSubscriptions);
  }

  public GatewayOptions withSharedSubscriptions(boolean sharedSubscriptions) {
    return edit(b -> b.sharedSubscriptions = sharedSubscriptions);
  }

  /** TLS to the broker, trusting the authorities of {@code caFile} or, when null, the JVM's. */
  public GatewayOptions withTls(boolean tls, Path caFile) {
    return edit(
        b -> {
          b.tls = tls || caFile != null;
          b.tlsCaFile = caFile;
        });
  }

  /** Connects with these MQTT credentials; {@code password} may be null. */
  public GatewayOptions withCredentials(String username, String password) {
    return edit(
        b -> {
          b.username = Objects.requireNonNull(username, "username");
          b.password = password;
        });
  }

  /** Like the record's, but never shows the password. */
  @Override
  public String toString() {
    return "GatewayOptions[broker="
        + broker
        + ", clientId="
        + clientId
        + ", window="
        + window
        + ", maxBytesInFlight="
        + maxBytesInFlight
        + ", stallTimeout="
        + stallTimeout
        + ", directStatusSubscriptions="
        + directStatusSubscriptions
        + ", sharedSubscriptions="
        + sharedSubscriptions
        + ", connectTimeout="
        + connectTimeout
        + ", username="
        + username
        + ", password="
        + (password == null ? "null" : "****")
        + ", tls="
        + tls
        + ", tlsCaFile="
        + tlsCaFile
        + "]";
  }

  /**
   * A mutable copy of these settings, so that each {@code with…} method names only what it changes.
   */
  private static final class Editor {
    private BrokerAddress broker;
    private String clientId;
    private int window;
    private long maxBytesInFlight;
    private Duration stallTimeout;
    private boolean directStatusSubscriptions;
    private boolean sharedSubscriptions;
    private Duration connectTimeout;
    private String username;
    private String password;
    private boolean tls;
    private Path tlsCaFile;

    Editor(GatewayOptions from) {
      broker = from.broker;
      clientId = from.clientId;
      window = from.window;
      maxBytesInFlight = from.maxBytesInFlight;
      stallTimeout = from.stallTimeout;
      directStatusSubscriptions = from.directStatusSubscriptions;
      sharedSubscriptions = from.sharedSubscriptions;
      connectTimeout = from.connectTimeout;
      username = from.username;
      password = from.password;
      tls = from.tls;
      tlsCaFile = from.tlsCaFile;
    }

    GatewayOptions build() {
      return new GatewayOptions(
          broker,
          clientId,
          window,
          maxBytesInFlight,
          stallTimeout,
          directStatusSubscriptions,
          sharedSubscriptions,
          connectTimeout,
          username,
          password,
          tls,
          tlsCaFile);
    }
  }

  private GatewayOptions edit(java.util.function.Consumer<Editor> change) {
    Editor editor = new Editor(this);
    change.accept(editor);
    return editor.build();
  }
}
