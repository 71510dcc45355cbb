package dev.firmament.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dev stack's certificate is made once per directory and kept while it is good. */
class SelfSignedTlsTest {

  @TempDir Path dir;

  @Test
  void aGoodCertificateIsReusedAsItIs() throws IOException {
    SelfSignedTls made = SelfSignedTls.reuseOrCreate(dir);
    assertThat(made.notAfter())
        .isAfter(Instant.now().plus(SelfSignedTls.VALIDITY).minus(Duration.ofDays(1)));
    byte[] pem = Files.readAllBytes(made.certificate());
    byte[] keyStore = Files.readAllBytes(made.keyStore());
    FileTime pemTime = Files.getLastModifiedTime(made.certificate());
    FileTime keyStoreTime = Files.getLastModifiedTime(made.keyStore());

    SelfSignedTls kept = SelfSignedTls.reuseOrCreate(dir);

    assertThat(kept).isEqualTo(made);
    assertThat(Files.readAllBytes(kept.certificate())).isEqualTo(pem);
    assertThat(Files.readAllBytes(kept.keyStore())).isEqualTo(keyStore);
    assertThat(Files.getLastModifiedTime(kept.certificate())).isEqualTo(pemTime);
    assertThat(Files.getLastModifiedTime(kept.keyStore())).isEqualTo(keyStoreTime);
    // The key store, with the private key, is the owner's only.
    assertThat(Files.getPosixFilePermissions(kept.keyStore()))
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
    // A client trusts the PEM the server's key store holds.
    assertThat(
            Arrays.asList(SelfSignedTls.trusting(kept.certificate()).getAcceptedIssuers())
                .getFirst()
                .getNotAfter()
                .toInstant())
        .isEqualTo(kept.notAfter());
  }

  @Test
  void aCertificateThatExpiresWithinADayIsMadeAnew() throws IOException {
    SelfSignedTls expiring = SelfSignedTls.create(dir, Duration.ofDays(1));
    byte[] pem = Files.readAllBytes(expiring.certificate());

    SelfSignedTls renewed = SelfSignedTls.reuseOrCreate(dir);

    assertThat(Files.readAllBytes(renewed.certificate())).isNotEqualTo(pem);
    assertThat(renewed.notAfter()).isAfter(Instant.now().plus(Duration.ofDays(29)));
  }

  @Test
  void aMissingUnreadableOrMismatchedFileIsMadeAnew() throws IOException {
    SelfSignedTls first = SelfSignedTls.reuseOrCreate(dir);

    Files.delete(first.certificate());
    SelfSignedTls second = SelfSignedTls.reuseOrCreate(dir);
    assertThat(second.certificate()).isRegularFile();
    byte[] secondPem = Files.readAllBytes(second.certificate());

    Files.writeString(second.keyStore(), "not a key store");
    SelfSignedTls third = SelfSignedTls.reuseOrCreate(dir);
    byte[] thirdPem = Files.readAllBytes(third.certificate());
    assertThat(thirdPem).isNotEqualTo(secondPem);

    // A PEM of another certificate than the key store's: clients would trust the wrong one.
    Files.write(third.certificate(), secondPem);
    SelfSignedTls fourth = SelfSignedTls.reuseOrCreate(dir);
    assertThat(Files.readAllBytes(fourth.certificate())).isNotEqualTo(secondPem);
    assertThat(fourth.serverContext()).isNotNull();
    assertThat(SelfSignedTls.reuseOrCreate(dir)).isEqualTo(fourth);
    assertThat(Files.readAllBytes(fourth.certificate()))
        .isEqualTo(Files.readAllBytes(SelfSignedTls.reuseOrCreate(dir).certificate()));
  }
}
