package dev.firmament.agent;

import dev.firmament.protocol.ChunkFrame;

/**
 * What reaches a device from the server: commands as they arrive, chunks once decoded. The agent's
 * protocol handles both; the fleet simulator's {@link FaultInjector} may stand in front of it.
 */
interface Inbound {

  /** A message on the device's cmd topic, not yet decoded. */
  void command(byte[] payload);

  /** A chunk from the device's data topic. */
  void chunk(ChunkFrame chunk);

  /**
   * A message on the device's call topic, not yet decoded, with the MQTT 5 response topic and
   * correlation data its answer must carry (either may be null when the sender gave none).
   */
  void call(byte[] payload, String responseTopic, byte[] correlationData);

  /** Puts something in front of a device's {@link Inbound}, with a handle on its connection. */
  @FunctionalInterface
  interface Filter {

    /** Passes everything through. */
    Filter NONE = (protocol, link) -> protocol;

    Inbound filter(Inbound protocol, DeviceLink link);
  }
}
