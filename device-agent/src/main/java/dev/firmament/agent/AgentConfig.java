package dev.firmament.agent;

import dev.firmament.protocol.BrokerAddress;
import dev.firmament.protocol.CloudInterface;
import dev.firmament.protocol.DeviceInfo;
import dev.firmament.protocol.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one {@link DeviceAgent}.
 *
 * @param deviceId the device id, also its MQTT client id
 * @param broker where to connect
 * @param ackEvery acknowledge every this many chunks; 0 uses the offer's interval ({@code window /
 *     2}); never more than the offer's interval
 * @param slotCapacity largest artifact that fits a slot; larger offers are rejected {@code
 *     NO_SPACE}
 * @param rebootDelay simulated time to reboot into the new slot
 * @param reconnectDelay how long a dropped connection stays down
 * @param faults the device's simulated misbehaviour; the {@link FleetSimulator} makes it happen
 *     with a {@link FaultInjector}, a {@link DeviceAgent} built directly only shows it in its
 *     snapshot
 * @param seed seeds the device's simulated randomness (which chunk is corrupted)
 * @param username the device's MQTT username (on a broker that enforces device identity, its device
 *     id), or null to connect without credentials
 * @param password the device's MQTT password (its broker secret), or null
 * @param verifier checks offer signatures; {@link OfferVerifier#none()} trusts every offer, which
 *     only simulations may do
 * @param info what the device says about itself in its online presence, or null
 * @param cloud the functions and variables the device declares in its online presence, or null to
 *     declare nothing (what it declared before stays)
 * @param https how the device downloads updates over HTTPS (it then declares {@code HTTPS} besides
 *     {@code MQTT}), or null when it takes MQTT chunks only
 */
public record AgentConfig(
    String deviceId,
    BrokerAddress broker,
    int ackEvery,
    long slotCapacity,
    Duration rebootDelay,
    Duration reconnectDelay,
    DeviceFaults faults,
    long seed,
    String username,
    String password,
    OfferVerifier verifier,
    DeviceInfo info,
    CloudInterface cloud,
    HttpsDownloads https) {

  /**
   * A device that downloads over HTTPS.
   *
   * @param caFile a PEM file of the authorities it trusts, or null for the JVM's
   */
  public record HttpsDownloads(Path caFile) {}

  public AgentConfig {
    if (!Topics.isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("invalid device id: " + deviceId);
    }
    Objects.requireNonNull(broker, "broker");
    Objects.requireNonNull(rebootDelay, "rebootDelay");
    Objects.requireNonNull(reconnectDelay, "reconnectDelay");
    Objects.requireNonNull(faults, "faults");
    Objects.requireNonNull(verifier, "verifier");
    if (ackEvery < 0) {
      throw new IllegalArgumentException("ackEvery must not be negative");
    }
    if (slotCapacity < 1) {
      throw new IllegalArgumentException("slotCapacity must be positive");
    }
    if (password != null && username == null) {
      throw new IllegalArgumentException("a password needs a username");
    }
  }

  /**
   * A well-behaved device: acknowledgements at the offer's interval, 16 MiB slots, 50 ms reboot,
   * 200 ms reconnect delay, no credentials, no signature check.
   */
  public static AgentConfig of(String deviceId, String brokerUrl) {
    return new AgentConfig(
        deviceId,
        BrokerAddress.parse(brokerUrl),
        0,
        16L << 20,
        Duration.ofMillis(50),
        Duration.ofMillis(200),
        DeviceFaults.none(),
        deviceId.hashCode(),
        null,
        null,
        OfferVerifier.none(),
        null,
        null,
        null);
  }

  public AgentConfig withFaults(DeviceFaults faults) {
    return edit(b -> b.faults = faults);
  }

  public AgentConfig withAckEvery(int ackEvery) {
    return edit(b -> b.ackEvery = ackEvery);
  }

  /** Connects with these MQTT credentials. */
  public AgentConfig withCredentials(String username, String password) {
    return edit(
        b -> {
          b.username = Objects.requireNonNull(username, "username");
          b.password = password;
        });
  }

  /** Checks offer signatures with {@code verifier}. */
  public AgentConfig withVerifier(OfferVerifier verifier) {
    return edit(b -> b.verifier = verifier);
  }

  /** Says this about itself in its online presence. */
  public AgentConfig withInfo(DeviceInfo info) {
    return edit(b -> b.info = info);
  }

  /** Downloads over HTTPS when it is offered a link; null for MQTT chunks only. */
  public AgentConfig withHttps(HttpsDownloads https) {
    return edit(b -> b.https = https);
  }

  /** Declares these functions and variables in its online presence. */
  public AgentConfig withCloud(CloudInterface cloud) {
    return edit(b -> b.cloud = cloud);
  }

  /** Like the record's, but never shows the password. */
  @Override
  public String toString() {
    return "AgentConfig[deviceId="
        + deviceId
        + ", broker="
        + broker
        + ", username="
        + username
        + ", password="
        + (password == null ? "null" : "****")
        + ", faults="
        + faults
        + "]";
  }

  /**
   * A mutable copy of these settings, so that each {@code with…} method names only what it changes.
   */
  private static final class Editor {
    private String deviceId;
    private BrokerAddress broker;
    private int ackEvery;
    private long slotCapacity;
    private Duration rebootDelay;
    private Duration reconnectDelay;
    private DeviceFaults faults;
    private long seed;
    private String username;
    private String password;
    private OfferVerifier verifier;
    private DeviceInfo info;
    private CloudInterface cloud;
    private HttpsDownloads https;

    Editor(AgentConfig from) {
      deviceId = from.deviceId;
      broker = from.broker;
      ackEvery = from.ackEvery;
      slotCapacity = from.slotCapacity;
      rebootDelay = from.rebootDelay;
      reconnectDelay = from.reconnectDelay;
      faults = from.faults;
      seed = from.seed;
      username = from.username;
      password = from.password;
      verifier = from.verifier;
      info = from.info;
      cloud = from.cloud;
      https = from.https;
    }

    AgentConfig build() {
      return new AgentConfig(
          deviceId,
          broker,
          ackEvery,
          slotCapacity,
          rebootDelay,
          reconnectDelay,
          faults,
          seed,
          username,
          password,
          verifier,
          info,
          cloud,
          https);
    }
  }

  private AgentConfig edit(java.util.function.Consumer<Editor> change) {
    Editor editor = new Editor(this);
    change.accept(editor);
    return editor.build();
  }
}
