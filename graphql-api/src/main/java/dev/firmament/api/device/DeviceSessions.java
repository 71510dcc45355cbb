package dev.firmament.api.device;

/**
 * The live broker sessions of devices, where the process can act on them: the embedded broker of
 * the dev stack, or a production broker's administration interface.
 */
@FunctionalInterface
public interface DeviceSessions {

  /**
   * Ends the device's live broker session after its credential was replaced, so that it must
   * connect again and its old secret no longer lets it in. Returns whether a session was ended
   * (false when the device was not connected).
   */
  boolean credentialReplaced(String deviceId);
}
