package dev.firmament.api.config;

import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the server reaches the Temporal frontend: plain gRPC (a private network), TLS, mutual TLS (a
 * self-hosted cluster that checks client certificates) or an API key (Temporal Cloud).
 *
 * @param target {@code firmament.temporal.target}, {@code host:port}
 * @param tls {@code firmament.temporal.tls}: TLS with the JVM's trusted CAs; implied by every
 *     setting below
 * @param clientCertFile {@code firmament.temporal.tls-client-cert-file}: PEM certificate chain the
 *     client presents (mTLS); needs the key file
 * @param clientKeyFile {@code firmament.temporal.tls-client-key-file}: its PKCS#8 PEM private key
 * @param serverCaFile {@code firmament.temporal.tls-server-ca-file}: PEM CA certificate(s) that
 *     sign the frontend's certificate, instead of the JVM's trusted CAs
 * @param apiKey {@code firmament.temporal.api-key}: sent as {@code Authorization: Bearer} on every
 *     call
 */
public record TemporalConnection(
    String target,
    boolean tls,
    String clientCertFile,
    String clientKeyFile,
    String serverCaFile,
    String apiKey) {

  public TemporalConnection {
    clientCertFile = blankToNull(clientCertFile);
    clientKeyFile = blankToNull(clientKeyFile);
    serverCaFile = blankToNull(serverCaFile);
    apiKey = blankToNull(apiKey);
    if ((clientCertFile == null) != (clientKeyFile == null)) {
      throw new IllegalArgumentException(
          "firmament.temporal.tls-client-cert-file and firmament.temporal.tls-client-key-file go"
              + " together (mutual TLS needs both)");
    }
  }

  /** Plain gRPC to {@code target}. */
  public static TemporalConnection plain(String target) {
    return new TemporalConnection(target, false, null, null, null, null);
  }

  /** Whether the connection is encrypted: asked for, or implied by a certificate or an API key. */
  public boolean usesTls() {
    return tls || clientCertFile != null || serverCaFile != null || apiKey != null;
  }

  public WorkflowServiceStubsOptions toOptions() {
    WorkflowServiceStubsOptions.Builder options =
        WorkflowServiceStubsOptions.newBuilder().setTarget(target);
    if (clientCertFile != null || serverCaFile != null) {
      options.setSslContext(sslContext());
    } else if (usesTls()) {
      options.setEnableHttps(true);
    }
    if (apiKey != null) {
      String key = apiKey;
      options.addApiKey(() -> key);
    }
    return options.build();
  }

  private io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext() {
    try {
      SimpleSslContextBuilder builder =
          clientCertFile != null ? clientCertificate() : SimpleSslContextBuilder.noKeyOrCertChain();
      if (serverCaFile != null) {
        builder.setTrustManager(trustManagerFactory().getTrustManagers()[0]);
      }
      return builder.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up TLS to Temporal at " + target, e);
    }
  }

  private SimpleSslContextBuilder clientCertificate() throws IOException {
    // The builder reads its streams only in build(): hand it the bytes, not open files.
    byte[] cert = read(clientCertFile, "tls-client-cert-file");
    byte[] key = read(clientKeyFile, "tls-client-key-file");
    try {
      return SimpleSslContextBuilder.forPKCS8(
          new ByteArrayInputStream(cert), new ByteArrayInputStream(key));
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("firmament.temporal.")) {
        throw e;
      }
      throw new IllegalArgumentException(
          "firmament.temporal.tls-client-cert-file/-key-file: not a PEM certificate chain and"
              + " PKCS#8 key",
          e);
    }
  }

  private TrustManagerFactory trustManagerFactory() {
    try (InputStream pem = open(serverCaFile, "tls-server-ca-file")) {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int i = 0;
      for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
        trusted.setCertificateEntry("temporal-ca-" + i++, ca);
      }
      if (i == 0) {
        throw new IllegalArgumentException(
            "firmament.temporal.tls-server-ca-file holds no certificate: " + serverCaFile);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trusted);
      return factory;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "firmament.temporal.tls-server-ca-file: not PEM CA certificates: " + serverCaFile, e);
    }
  }

  private static byte[] read(String file, String setting) throws IOException {
    try (InputStream in = open(file, setting)) {
      return in.readAllBytes();
    }
  }

  private static InputStream open(String file, String setting) throws IOException {
    Path path = Path.of(file);
    if (!Files.isReadable(path)) {
      throw new IllegalArgumentException("firmament.temporal." + setting + ": cannot read " + file);
    }
    return Files.newInputStream(path);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  @Override
  public String toString() {
    // The API key stays out of logs.
    return "TemporalConnection[target="
        + target
        + ", tls="
        + usesTls()
        + ", clientCert="
        + clientCertFile
        + ", serverCa="
        + serverCaFile
        + ", apiKey="
        + (apiKey == null ? "none" : "set")
        + "]";
  }
}
