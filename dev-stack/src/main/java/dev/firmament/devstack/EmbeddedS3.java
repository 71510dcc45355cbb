package dev.firmament.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
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
  private final SelfSignedTls tls;
  private final String accessKey;
  private final String secretKey;
  private boolean closed;

  private EmbeddedS3(S3Proxy proxy, String accessKey, String secretKey, SelfSignedTls tls) {
    this.proxy = proxy;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.tls = tls;
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
    return start(dataDir, port, accessKey, secretKey, null, 0);
  }

  /**
   * Starts the endpoint with a second, TLS listener on a free port of 127.0.0.1 ({@link
   * #secureEndpoint()}), with the certificate of {@code tls}; the plain listener stays.
   */
  public static EmbeddedS3 startWithTls(Path dataDir, int port, SelfSignedTls tls) {
    Objects.requireNonNull(tls, "tls");
    return startWithTls(dataDir, port, 0, () -> tls);
  }

  /**
   * As {@link #startWithTls(Path, int, SelfSignedTls)}, with the TLS listener on {@code securePort}
   * of 127.0.0.1 (0 for a free one) and its key and certificate from {@code tls}, which runs on a
   * thread of its own while the endpoint starts: making a certificate takes about as long as the
   * start itself, loading one a good part of it. Returns once both are done; a handshake that came
   * sooner would wait for the key.
   */
  public static EmbeddedS3 startWithTls(
      Path dataDir, int port, int securePort, Supplier<SelfSignedTls> tls) {
    Objects.requireNonNull(tls, "tls");
    FreePorts.checkPort(securePort);
    return start(dataDir, port, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, tls, securePort);
  }

  private static EmbeddedS3 start(
      Path dataDir,
      int port,
      String accessKey,
      String secretKey,
      Supplier<SelfSignedTls> tls,
      int securePort) {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(accessKey, "accessKey");
    Objects.requireNonNull(secretKey, "secretKey");
    FreePorts.checkPort(port);
    ThirdPartyLogging.quiet();
    CompletableFuture<Keys> keys = null;
    if (tls != null) {
      keys =
          CompletableFuture.supplyAsync(
              () -> {
                SelfSignedTls made = tls.get();
                return new Keys(made, made.keyManager());
              },
              task -> Thread.ofPlatform().name("s3-tls-keys").daemon().start(task));
    }
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the S3 data directory " + dataDir, e);
    }
    Properties properties = new Properties();
    properties.setProperty("jclouds.filesystem.basedir", dataDir.toAbsolutePath().toString());
    BlobStore blobStore = BlobStores.create("filesystem", properties);
    // A TLS listener on a free port gets a port picked here (the proxy needs a number); another
    // process may take it before the proxy binds it, so a bind failure on a picked port picks
    // again.
    int attempts = keys != null && securePort == 0 ? 5 : 1;
    S3Proxy proxy = null;
    for (int attempt = 1; proxy == null; attempt++) {
      S3Proxy.Builder builder =
          S3Proxy.builder()
              .blobStore(blobStore)
              .endpoint(URI.create("http://127.0.0.1:" + port))
              .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
              .stopTimeout(0);
      if (keys != null) {
        builder =
            builder
                .secureEndpoint(
                    URI.create(
                        "https://127.0.0.1:" + (securePort == 0 ? FreePorts.pick() : securePort)))
                .sslContext(serverContext(new DeferredKeyManager(keys)));
      }
      S3Proxy candidate = builder.build();
      try {
        candidate.start();
        proxy = candidate;
      } catch (Exception e) {
        stopQuietly(candidate);
        if (attempt >= attempts || !bindFailure(e)) {
          throw new IllegalStateException("S3 endpoint cannot listen on port " + port, e);
        }
        log.debug("S3 endpoint's TLS port was taken meanwhile, picking another: {}", e.toString());
      }
    }
    SelfSignedTls served = null;
    if (keys != null) {
      try {
        served = keys.join().tls();
      } catch (CompletionException e) {
        stopQuietly(proxy);
        throw e.getCause() instanceof RuntimeException cause
            ? cause
            : new IllegalStateException("no key for the S3 endpoint's TLS listener", e.getCause());
      }
    }
    EmbeddedS3 s3 = new EmbeddedS3(proxy, accessKey, secretKey, served);
    log.debug(
        "S3 endpoint listening on {}{} (dir {})",
        s3.endpoint(),
        served == null ? "" : " and " + s3.secureEndpoint(),
        dataDir);
    return s3;
  }

  /** Whether {@code e} or one of its causes is a failure to bind a port. */
  private static boolean bindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException) {
        return true;
      }
    }
    return false;
  }

  /** The TLS listener's key and certificate, once loaded. */
  private record Keys(SelfSignedTls tls, X509KeyManager manager) {}

  private static SSLContext serverContext(KeyManager keys) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keys}, null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up the S3 endpoint's TLS context", e);
    }
  }

  /**
   * The TLS listener's key manager before its key is there: the listener starts while the key is
   * made or loaded, and a handshake asks for it only later (waiting for it if it came sooner).
   */
  private static final class DeferredKeyManager extends X509ExtendedKeyManager {
    private final CompletableFuture<Keys> keys;

    DeferredKeyManager(CompletableFuture<Keys> keys) {
      this.keys = keys;
    }

    private X509KeyManager keys() {
      return keys.join().manager();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return keys().getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return keys().chooseClientAlias(keyType, issuers, socket);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return keys().getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return keys().chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return keys().getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return keys().getPrivateKey(alias);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return keys() instanceof X509ExtendedKeyManager extended
          ? extended.chooseEngineServerAlias(keyType, issuers, engine)
          : super.chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return keys() instanceof X509ExtendedKeyManager extended
          ? extended.chooseEngineClientAlias(keyType, issuers, engine)
          : super.chooseEngineClientAlias(keyType, issuers, engine);
    }
  }

  /** {@code http://127.0.0.1:PORT}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  /** {@code https://127.0.0.1:PORT}, or null when the endpoint has no TLS listener. */
  public String secureEndpoint() {
    return tls != null ? "https://127.0.0.1:" + securePort() : null;
  }

  /** The TLS listener's port, or -1 when the endpoint has none. */
  public int securePort() {
    return tls != null ? proxy.getSecurePort() : -1;
  }

  /** The key and certificate of the TLS listener, or null when the endpoint has none. */
  public SelfSignedTls tls() {
    return tls;
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
