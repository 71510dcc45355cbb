package dev.firmament.protocol;

import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import java.nio.charset.StandardCharsets;

/**
 * A broker account on an MQTT client: its username and password, as MQTT's simple auth sends them.
 */
public final class BrokerCredentials {
  private BrokerCredentials() {}

  /**
   * The builder with the account: unchanged without a username (an anonymous client); an empty
   * password without one.
   */
  public static Mqtt5ClientBuilder apply(
      Mqtt5ClientBuilder builder, String username, String password) {
    if (username == null) {
      return builder;
    }
    return builder
        .simpleAuth()
        .username(username)
        .password(password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth();
  }
}
