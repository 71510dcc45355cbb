package dev.firmament.launcher;

import dev.firmament.devstack.DeviceAccessExtension.Access;
import dev.firmament.devstack.DeviceAccessExtension.AccessCheck;
import dev.firmament.identity.DeviceSecrets;
import dev.firmament.workers.device.DeviceCredentialCheck;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The embedded broker's access decisions in the dev process: the workers' service account by its
 * generated secret, devices by the credentials issued at registration (checked in PostgreSQL once
 * the application is up; until then no device may connect).
 */
final class BrokerAccess implements AccessCheck {
  static final String SERVICE_USERNAME = "firmament-service";

  private final String serviceSecret = DeviceSecrets.generate();
  private volatile DeviceCredentialCheck devices;

  String serviceSecret() {
    return serviceSecret;
  }

  void bind(DeviceCredentialCheck devices) {
    this.devices = devices;
  }

  @Override
  public Access check(String clientId, String username, byte[] password) {
    if (SERVICE_USERNAME.equals(username)) {
      return MessageDigest.isEqual(password, serviceSecret.getBytes(StandardCharsets.UTF_8))
          ? Access.SERVICE
          : Access.DENIED;
    }
    DeviceCredentialCheck check = devices;
    return check != null && check.isDevice(clientId, username, password)
        ? Access.DEVICE
        : Access.DENIED;
  }
}
