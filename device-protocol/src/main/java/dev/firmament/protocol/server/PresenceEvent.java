package dev.firmament.protocol.server;

import dev.firmament.protocol.Presence;

/**
 * A device came online (with its running version) or went offline (its last will).
 *
 * @param deviceId the device, from the MQTT topic
 * @param presence what it published
 */
public record PresenceEvent(String deviceId, Presence presence) {}
