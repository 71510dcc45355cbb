package dev.firmament.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

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

  /** Makes the key store and the certificate in {@code dir}, valid for 30 days. */
  public static SelfSignedTls create(Path dir) {
    try {
      Files.createDirectories(dir);
      Path keyStore = dir.resolve("tls.p12");
      Path certificate = dir.resolve("tls-ca.pem");
      Files.deleteIfExists(keyStore);
      Files.deleteIfExists(certificate);
      String password = "firmament-dev-tls";
      keytool(
          "-genkeypair",
          "-alias",
          "tls",
          "-keyalg",
          "EC",
          "-groupname",
          "secp256r1",
          "-dname",
          "CN=127.0.0.1",
          "-ext",
          "SAN=ip:127.0.0.1,dns:localhost",
          "-validity",
          "30",
          "-keystore",
          keyStore.toString(),
          "-storetype",
          "PKCS12",
          "-storepass",
          password);
      keytool(
          "-exportcert",
          "-rfc",
          "-alias",
          "tls",
          "-keystore",
          keyStore.toString(),
          "-storepass",
          password,
          "-file",
          certificate.toString());
      return new SelfSignedTls(keyStore, password, certificate);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a TLS certificate in " + dir, e);
    }
  }

  /** A server-side TLS context with this key. */
  public SSLContext serverContext() {
    try (InputStream in = Files.newInputStream(keyStore)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password.toCharArray());
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password.toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the TLS key store " + keyStore, e);
    }
  }

  private static void keytool(String... args) throws IOException {
    Path tool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command = new java.util.ArrayList<>(List.of(tool.toString()));
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
