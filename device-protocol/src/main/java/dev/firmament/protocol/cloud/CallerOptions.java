package dev.firmament.protocol.cloud;

import dev.firmament.protocol.BrokerAddress;
import dev.firmament.protocol.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link CloudCaller} reaches the broker.
 *
 * @param broker the broker
 * @param tls whether to connect with TLS
 * @param tlsCaFile PEM certificates to trust instead of the JVM's, or null
 * @param username the API's broker account, or null to connect without credentials
 * @param password its password, or null
 * @param instance this API process's name in its reply topics ({@code fw/+/reply/{instance}}); as a
 *     device id, 1-128 of {@code [A-Za-z0-9._:-]}
 * @param connectTimeout how long {@link CloudCaller#connect} waits for the first connection
 */
public record CallerOptions(
    BrokerAddress broker,
    boolean tls,
    Path tlsCaFile,
    String username,
    String password,
    String instance,
    Duration connectTimeout) {

  public CallerOptions {
    Objects.requireNonNull(broker, "broker");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    if (!Topics.isValidInstance(instance)) {
      throw new IllegalArgumentException("invalid instance: " + instance);
    }
    if (password != null && username == null) {
      throw new IllegalArgumentException("a password needs a username");
    }
  }

  /** Anonymous, without TLS, waiting ten seconds to connect. */
  public static CallerOptions of(String brokerUrl, String instance) {
    return new CallerOptions(
        BrokerAddress.parse(brokerUrl), false, null, null, null, instance, Duration.ofSeconds(10));
  }

  /** These options with a broker account. */
  public CallerOptions withCredentials(String username, String password) {
    return new CallerOptions(broker, tls, tlsCaFile, username, password, instance, connectTimeout);
  }

  /** These options with TLS. */
  public CallerOptions withTls(boolean tls, Path tlsCaFile) {
    return new CallerOptions(broker, tls, tlsCaFile, username, password, instance, connectTimeout);
  }
}
