package dev.firmament.protocol;

import java.net.URI;
import java.util.Objects;

/**
 * Host and port of an MQTT broker, parsed from {@code mqtt://host:port}, {@code tcp://host:port} or
 * {@code host:port}.
 */
public record BrokerAddress(String host, int port) {

  /** Port used when a URL does not name one. */
  public static final int DEFAULT_PORT = 1883;

  public BrokerAddress {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("empty broker host");
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("broker port out of range: " + port);
    }
  }

  /**
   * Parses a broker URL.
   *
   * @throws IllegalArgumentException if the URL is not {@code mqtt://}, {@code tcp://} or {@code
   *     host:port}
   */
  public static BrokerAddress parse(String url) {
    Objects.requireNonNull(url, "url");
    String withScheme = url.contains("://") ? url : "mqtt://" + url;
    URI uri = URI.create(withScheme);
    String scheme = uri.getScheme();
    if (!"mqtt".equals(scheme) && !"tcp".equals(scheme)) {
      throw new IllegalArgumentException(
          "unsupported broker URL scheme (use mqtt:// or tcp://): " + url);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("broker URL without host: " + url);
    }
    return new BrokerAddress(uri.getHost(), uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort());
  }
}
