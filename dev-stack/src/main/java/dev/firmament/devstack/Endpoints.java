package dev.firmament.devstack;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the dev stack's services listen. Fields of services that were not started are {@code null}.
 *
 * @param s3Endpoint S3's plain listener ({@code http://127.0.0.1:PORT}), for the stack's own
 *     clients on loopback: the API, the workers, the delta builder and tests
 * @param s3PublicEndpoint S3's TLS listener ({@code https://127.0.0.1:PORT}), which the links
 *     handed to devices name
 * @param s3Certificate the PEM file of the TLS listener's self-signed certificate, which whatever
 *     downloads from {@code s3PublicEndpoint} trusts
 */
public record Endpoints(
    String jdbcUrl,
    String dbUser,
    String dbPassword,
    String temporalTarget,
    String temporalNamespace,
    String s3Endpoint,
    String s3PublicEndpoint,
    Path s3Certificate,
    String s3AccessKey,
    String s3SecretKey,
    String mqttUrl) {

  /** The bucket Firmament keeps firmware artifacts in. */
  public static final String ARTIFACT_BUCKET = "firmament-artifacts";

  /**
   * The endpoints as Spring Boot properties ({@code spring.datasource.*}, {@code
   * firmament.temporal.*}, {@code firmament.s3.*}, {@code firmament.mqtt.url}), for the services
   * that were started, in a stable order.
   */
  public Map<String, String> toProperties() {
    Map<String, String> properties = new LinkedHashMap<>();
    if (jdbcUrl != null) {
      properties.put("spring.datasource.url", jdbcUrl);
      properties.put("spring.datasource.username", dbUser);
      properties.put("spring.datasource.password", dbPassword);
    }
    if (temporalTarget != null) {
      properties.put("firmament.temporal.target", temporalTarget);
      properties.put("firmament.temporal.namespace", temporalNamespace);
    }
    if (s3Endpoint != null) {
      properties.put("firmament.s3.endpoint", s3Endpoint);
      properties.put("firmament.s3.public-endpoint", s3PublicEndpoint);
      properties.put("firmament.s3.access-key", s3AccessKey);
      properties.put("firmament.s3.secret-key", s3SecretKey);
      properties.put("firmament.s3.bucket", ARTIFACT_BUCKET);
    }
    if (mqttUrl != null) {
      properties.put("firmament.mqtt.url", mqttUrl);
    }
    return java.util.Collections.unmodifiableMap(properties);
  }

  @Override
  public String toString() {
    // Keeps the secret out of logs.
    return "Endpoints[jdbcUrl="
        + jdbcUrl
        + ", dbUser="
        + dbUser
        + ", temporalTarget="
        + temporalTarget
        + ", temporalNamespace="
        + temporalNamespace
        + ", s3Endpoint="
        + s3Endpoint
        + ", s3PublicEndpoint="
        + s3PublicEndpoint
        + ", s3AccessKey="
        + s3AccessKey
        + ", mqttUrl="
        + mqttUrl
        + "]";
  }
}
