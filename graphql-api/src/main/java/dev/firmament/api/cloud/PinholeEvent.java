package dev.firmament.api.cloud;

import java.time.OffsetDateTime;

/**
 * A pinhole probe of a device ({@code PinholeEvent}): whether it answered, and its round trip.
 *
 * @param roundTripMs from sending the probe to the device's answer; null when it did not answer
 */
public record PinholeEvent(
    String id, String deviceId, boolean connected, Integer roundTripMs, OffsetDateTime probedAt) {}
