package dev.firmament.protocol.server;

import dev.firmament.protocol.Presence;
import java.time.Instant;

/**
 * A device came online (with its running version) or went offline (its last will).
 *
 * @param deviceId the device, from the MQTT topic
 * @param presence what it published
 * @param retainedAsOf null for a presence as it is published; for one the broker kept (retained)
 *     and handed over when the gateway read the fleet's presence, when that reading began: what was
 *     recorded of the device since then is newer
 */
public record PresenceEvent(String deviceId, Presence presence, Instant retainedAsOf) {
  /** A presence as the device published it. */
  public PresenceEvent(String deviceId, Presence presence) {
    this(deviceId, presence, null);
  }
}
