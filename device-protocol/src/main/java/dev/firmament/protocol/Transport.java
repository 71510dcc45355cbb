package dev.firmament.protocol;

/**
 * How an update's bytes reach a device (docs/device-protocol.md, section 6.5): pushed by the
 * workers as chunk frames on its data topic, or fetched by the device itself from object storage
 * through a pre-signed, expiring HTTPS link.
 */
public enum Transport {
  /** Chunk frames on {@code fw/{deviceId}/data}, with the protocol's flow control. */
  MQTT,
  /** The device downloads the artifact with HTTP range requests from the offer's link. */
  HTTPS
}
