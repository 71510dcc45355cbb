package dev.firmament.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private certificate authority of one certificate, for a loopback service that speaks TLS in
 * development and tests: a key pair and a self-signed certificate for {@code 127.0.0.1} and {@code
 * localhost}, made by the JDK's own {@code keytool} (the JDK has no API that issues certificates),
 * with the certificate as a PEM file that clients trust.
 *
 * @param keyStore the PKCS#12 file with the key and its certificate
 * @param password the key store's password
 * @param certificate the certificate as PEM: what a client trusts
 */
public record SelfSignedTls(Path keyStore, String password, Path certificate) {

  /** How long a certificate made here is valid. */
  public static final Duration VALIDITY = Duration.ofDays(30);

  /** A kept certificate that expires sooner than this is made anew. */
  public static final Duration RENEW_BEFORE = Duration.ofDays(1);

  static final String KEY_STORE_FILE = "tls.p12";
  static final String CERTIFICATE_FILE = "tls-ca.pem";
  private static final String ALIAS = "tls";
  private static final String PASSWORD = "firmament-dev-tls";

  private static final Logger log = LoggerFactory.getLogger(SelfSignedTls.class);

  /**
   * Makes the key store and the certificate in {@code dir}, valid for {@link #VALIDITY}, replacing
   * any there.
   */
  public static SelfSignedTls create(Path dir) {
    return create(dir, VALIDITY);
  }

  /** As {@link #create(Path)}, valid for {@code validity} (whole days). */
  static SelfSignedTls create(Path dir, Duration validity) {
    try {
      Files.createDirectories(dir);
      Path keyStore = dir.resolve(KEY_STORE_FILE);
      Path certificate = dir.resolve(CERTIFICATE_FILE);
      Files.deleteIfExists(keyStore);
      Files.deleteIfExists(certificate);
      keytool(
          "-genkeypair",
          "-alias",
          ALIAS,
          "-keyalg",
          "EC",
          "-groupname",
          "secp256r1",
          "-dname",
          "CN=127.0.0.1",
          "-ext",
          "SAN=ip:127.0.0.1,dns:localhost",
          "-validity",
          Long.toString(validity.toDays()),
          "-keystore",
          keyStore.toString(),
          "-storetype",
          "PKCS12",
          "-storepass",
          PASSWORD);
      ownerOnly(keyStore);
      SelfSignedTls tls = new SelfSignedTls(keyStore, PASSWORD, certificate);
      // The PEM is written here rather than by a second keytool run: one process less to start.
      writePem(certificate, tls.load().getCertificate(ALIAS));
      return tls;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a TLS certificate in " + dir, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("keytool made a key store that does not load in " + dir, e);
    }
  }

  /**
   * The key store and certificate kept in {@code dir}, made there by {@link #create} the first time
   * and made anew when either file is missing or unreadable, when they do not hold the same
   * certificate, or when it expires within {@link #RENEW_BEFORE}. Clients that trust the PEM file
   * keep trusting it across restarts while it is kept.
   */
  public static SelfSignedTls reuseOrCreate(Path dir) {
    SelfSignedTls kept =
        new SelfSignedTls(dir.resolve(KEY_STORE_FILE), PASSWORD, dir.resolve(CERTIFICATE_FILE));
    String problem = kept.unusableBecause(Instant.now().plus(RENEW_BEFORE));
    if (problem == null) {
      return kept;
    }
    log.info("dev-stack tls certificate made dir={} reason={}", dir, problem);
    return create(dir);
  }

  /** Why this pair cannot serve until {@code until}, or null when it can. */
  private String unusableBecause(Instant until) {
    if (!Files.isRegularFile(keyStore) || !Files.isRegularFile(certificate)) {
      return "missing";
    }
    try {
      KeyStore store = load();
      if (!store.isKeyEntry(ALIAS)
          || !(store.getCertificate(ALIAS) instanceof X509Certificate served)) {
        return "no-key";
      }
      if (!served.equals(pem())) {
        return "certificate-differs";
      }
      served.checkValidity(Date.from(until));
      return null;
    } catch (CertificateExpiredException e) {
      return "expiring";
    } catch (CertificateNotYetValidException e) {
      return "not-yet-valid";
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      return "unreadable";
    }
  }

  /** When the certificate stops being valid. */
  public Instant notAfter() {
    return pem().getNotAfter().toInstant();
  }

  /** A server-side TLS context with this key. */
  public SSLContext serverContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keyManager()}, null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up a TLS server context", e);
    }
  }

  /** What a TLS server presents: this key and its certificate. */
  public X509KeyManager keyManager() {
    try {
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(load(), password.toCharArray());
      for (KeyManager manager : keys.getKeyManagers()) {
        if (manager instanceof X509KeyManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JDK offers no X.509 key manager");
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the TLS key store " + keyStore, e);
    }
  }

  /** A trust manager that trusts this certificate and nothing else. */
  public X509TrustManager trustManager() {
    return trusting(certificate);
  }

  /** A client-side TLS context that trusts this certificate and nothing else. */
  public SSLContext clientContext() {
    return clientContext(certificate);
  }

  /**
   * A trust manager that trusts the certificate in the PEM file {@code certificate} and nothing
   * else: what a client of a service with such a certificate (the dev stack's S3 over TLS) uses.
   */
  public static X509TrustManager trusting(Path certificate) {
    try {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      trusted.setCertificateEntry(ALIAS, readPem(certificate));
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trusted);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JDK offers no X.509 trust manager");
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust the certificate " + certificate, e);
    }
  }

  /** A client-side TLS context that trusts the certificate in {@code certificate} only. */
  public static SSLContext clientContext(Path certificate) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trusting(certificate)}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up a TLS client context", e);
    }
  }

  private KeyStore load() throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(keyStore)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password.toCharArray());
      return store;
    }
  }

  private X509Certificate pem() {
    return readPem(certificate);
  }

  private static X509Certificate readPem(Path certificate) {
    try (InputStream in = Files.newInputStream(certificate)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the certificate " + certificate, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("not a certificate: " + certificate, e);
    }
  }

  private static void writePem(Path file, Certificate certificate)
      throws IOException, GeneralSecurityException {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(certificate.getEncoded());
    Files.writeString(
        file,
        "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n",
        StandardCharsets.US_ASCII);
  }

  private static void ownerOnly(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the data directory's own permissions protect the key.
    }
  }

  private static void keytool(String... args) throws IOException {
    Path tool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    // A short-lived JVM: its client compiler alone and the serial collector halve its start. The
    // key store's password is in this source, so stretching it (PKCS#12's default: 10,000 rounds
    // of PBKDF2 each for the key, the certificate and the integrity check) protects nothing and
    // only costs CPU at every start that loads it; the file's mode keeps it to its owner.
    List<String> command =
        new ArrayList<>(
            List.of(
                tool.toString(),
                "-J-XX:TieredStopAtLevel=1",
                "-J-XX:+UseSerialGC",
                "-J-XX:-UsePerfData",
                "-J-Dkeystore.pkcs12.keyPbeIterationCount=1",
                "-J-Dkeystore.pkcs12.certPbeIterationCount=1",
                "-J-Dkeystore.pkcs12.macIterationCount=1"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IOException("keytool " + args[0] + " failed: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted while keytool ran", e);
    }
  }
}
