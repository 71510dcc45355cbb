package dev.firmament.protocol;

import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS to the MQTT broker for the server's clients (the workers' gateway, the API's device
 * accounts): off, on with the JVM's certificate authorities, or on with the authorities of a PEM
 * file (a private CA, as brokers inside a cluster often have).
 */
public final class BrokerTls {
  private BrokerTls() {}

  /**
   * The builder with TLS as asked: none when {@code tls} is false and no CA file is given; the CA
   * file's authorities when one is given (it implies TLS), else the JVM's.
   *
   * @throws IllegalArgumentException when the CA file cannot be read or holds no certificate
   */
  public static Mqtt5ClientBuilder apply(Mqtt5ClientBuilder builder, boolean tls, Path caFile) {
    if (caFile != null) {
      return builder.sslConfig().trustManagerFactory(trusting(caFile)).applySslConfig();
    }
    return tls ? builder.sslWithDefaultConfig() : builder;
  }

  /**
   * Trust in exactly the certificates of a PEM file (also for the HTTPS downloads of devices that
   * trust a private authority).
   */
  public static TrustManagerFactory trusting(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException("no certificate in the broker CA file " + caFile);
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        store.setCertificateEntry("broker-ca-" + i++, certificate);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return factory;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot read the broker CA file " + caFile + ": " + e.getMessage(), e);
    }
  }
}
