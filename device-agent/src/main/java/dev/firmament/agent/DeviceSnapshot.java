package dev.firmament.agent;

import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;

/**
 * What a simulated device looks like right now.
 *
 * @param deviceId the device
 * @param currentVersion the running version
 * @param activeSlot the slot it boots from
 * @param connected whether its MQTT connection is up
 * @param updateId its last update, or null
 * @param state its state in that update, or null
 * @param code the error code of a failed, rejected or rolled-back update, or null
 * @param offset contiguous bytes of the last download
 * @param verifiedHashes downloads whose SHA-256 matched the offer
 * @param installs slot switches to a new version
 * @param faults its simulated misbehaviour
 * @param powerLosses times it lost power while rewriting its single slot in place (and went on
 *     after its reboot); 0 for a device with two slots
 */
public record DeviceSnapshot(
    String deviceId,
    String currentVersion,
    SlotId activeSlot,
    boolean connected,
    String updateId,
    DeviceState state,
    ErrorCode code,
    long offset,
    int verifiedHashes,
    int installs,
    DeviceFaults faults,
    int powerLosses) {}
