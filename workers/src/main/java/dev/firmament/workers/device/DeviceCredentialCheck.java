package dev.firmament.workers.device;

import static dev.firmament.sql.generated.Tables.DEVICE_CREDENTIALS;

import dev.firmament.identity.DeviceSecrets;
import org.jooq.DSLContext;
import org.springframework.stereotype.Repository;

/**
 * Checks a device's broker credentials against the stored hash of its secret. The broker's
 * authentication hook calls it for every connecting device.
 */
@Repository
public class DeviceCredentialCheck {
  private final DSLContext dsl;

  public DeviceCredentialCheck(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * Whether a client may act as a device: its client id and username must both be the device id,
   * and the secret must match the one issued at registration (or the last rotation).
   */
  public boolean isDevice(String clientId, String username, byte[] secret) {
    if (clientId == null || !clientId.equals(username)) {
      return false;
    }
    String stored =
        dsl.select(DEVICE_CREDENTIALS.SECRET_SHA256)
            .from(DEVICE_CREDENTIALS)
            .where(DEVICE_CREDENTIALS.DEVICE_ID.eq(clientId))
            .fetchOne(DEVICE_CREDENTIALS.SECRET_SHA256);
    return DeviceSecrets.matches(secret, stored);
  }
}
