package dev.firmament.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3-compatible endpoint (s3proxy) on 127.0.0.1, storing buckets and objects as plain files
 * under a data directory, which survives restarts. Requests must be signed (AWS signature V2 or V4)
 * with the configured access key and secret key; clients use path-style addressing and region
 * {@value #REGION}.
 */
public final class EmbeddedS3 implements AutoCloseable {

  public static final String REGION = "us-east-1";
  public static final String DEFAULT_ACCESS_KEY = "firmament";
  public static final String DEFAULT_SECRET_KEY = "firmament-dev-secret";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedS3.class);

  private final S3Proxy proxy;
  private boolean secure;
  private final String accessKey;
  private final String secretKey;
  private boolean closed;

  private EmbeddedS3(S3Proxy proxy, String accessKey, String secretKey) {
    this.proxy = proxy;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** Starts with {@link #DEFAULT_ACCESS_KEY} and {@link #DEFAULT_SECRET_KEY}. */
  public static EmbeddedS3 start(Path dataDir, int port) {
    return start(dataDir, port, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY);
  }

  /**
   * Starts the endpoint.
   *
   * @param dataDir directory holding one sub-directory per bucket; created if missing
   * @param port TCP port on 127.0.0.1, or 0 for a free one
   */
  public static EmbeddedS3 start(Path dataDir, int port, String accessKey, String secretKey) {
    return start(dataDir, port, accessKey, secretKey, null);
  }

  /**
   * Starts the endpoint with a second, TLS listener on a free port of 127.0.0.1 ({@link
   * #secureEndpoint()}), with the certificate of {@code tls}; the plain listener stays.
   */
  public static EmbeddedS3 startWithTls(Path dataDir, int port, SelfSignedTls tls) {
    return start(dataDir, port, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, tls);
  }

  private static EmbeddedS3 start(
      Path dataDir, int port, String accessKey, String secretKey, SelfSignedTls tls) {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(accessKey, "accessKey");
    Objects.requireNonNull(secretKey, "secretKey");
    FreePorts.checkPort(port);
    ThirdPartyLogging.quiet();
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the S3 data directory " + dataDir, e);
    }
    Properties properties = new Properties();
    properties.setProperty("jclouds.filesystem.basedir", dataDir.toAbsolutePath().toString());
    BlobStore blobStore = BlobStores.create("filesystem", properties);
    S3Proxy.Builder builder =
        S3Proxy.builder()
            .blobStore(blobStore)
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
            .stopTimeout(0);
    if (tls != null) {
      builder =
          builder
              .secureEndpoint(URI.create("https://127.0.0.1:" + FreePorts.pick()))
              .sslContext(tls.serverContext());
    }
    S3Proxy proxy = builder.build();
    try {
      proxy.start();
    } catch (Exception e) {
      stopQuietly(proxy);
      throw new IllegalStateException("S3 endpoint cannot listen on port " + port, e);
    }
    EmbeddedS3 s3 = new EmbeddedS3(proxy, accessKey, secretKey);
    s3.secure = tls != null;
    log.debug("S3 endpoint listening on {} (dir {})", s3.endpoint(), dataDir);
    return s3;
  }

  /** {@code http://127.0.0.1:PORT}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  /** {@code https://127.0.0.1:PORT}, or null when the endpoint has no TLS listener. */
  public String secureEndpoint() {
    return secure ? "https://127.0.0.1:" + proxy.getSecurePort() : null;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  public String region() {
    return REGION;
  }

  public int port() {
    return proxy.getPort();
  }

  /** Stops the endpoint; the data directory is kept. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("S3 endpoint did not stop cleanly", e);
    }
  }

  @Override
  public String toString() {
    return "EmbeddedS3[" + endpoint() + "]";
  }

  private static void stopQuietly(S3Proxy proxy) {
    try {
      proxy.stop();
    } catch (Exception e) {
      log.debug("S3 endpoint did not stop cleanly after a failed start", e);
    }
  }
}
