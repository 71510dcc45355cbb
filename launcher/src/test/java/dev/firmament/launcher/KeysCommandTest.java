package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.access.RequestSigningKeys;
import dev.firmament.api.webhook.WebhookKeys;
import dev.firmament.api.webhook.WebhookProperties;
import dev.firmament.cli.KeysCommand;
import dev.firmament.manifest.DowngradeGrant;
import dev.firmament.manifest.Manifest;
import dev.firmament.manifest.ManifestSigner;
import dev.firmament.manifest.ManifestVerifier;
import dev.firmament.manifest.SignedManifest;
import dev.firmament.manifest.SigningKeys;
import dev.firmament.protocol.Downgrade;
import dev.firmament.workers.delta.ReleaseSigning;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysCommandTest {
  @TempDir Path temp;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int keys(String... args) {
    return Firmament.run(
        List.of(args),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void generatedKeysAreOwnerOnlyAndTheReleaseSigningOfTheServerSignsWithThem() throws IOException {
    Path dir = temp.resolve("keys");
    assertThat(keys("keys", "generate", "--dir", dir.toString())).isZero();

    Path privateFile = dir.resolve(KeysCommand.PRIVATE_KEY_FILE);
    Path publicFile = dir.resolve(KeysCommand.PUBLIC_KEY_FILE);
    Path masterFile = dir.resolve(KeysCommand.REQUEST_SIGNING_KEY_FILE);
    Path webhooksFile = dir.resolve(KeysCommand.WEBHOOKS_KEY_FILE);
    for (Path file : List.of(privateFile, publicFile, masterFile, webhooksFile)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .as(file.toString())
          .isEqualTo("rw-------");
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");

    // The files as the delta role reads them (firmament.signing.*-key-file).
    ReleaseSigning signing =
        ReleaseSigning.fromSettings("", "", privateFile.toString(), publicFile.toString());
    assertThat(signing.configured()).isTrue();
    String publicKey = Files.readString(publicFile, StandardCharsets.US_ASCII).strip();
    SigningKeys keys =
        new SigningKeys(
            Files.readString(privateFile, StandardCharsets.US_ASCII).strip(), publicKey);
    UUID product = UUID.randomUUID();
    SignedManifest older =
        ManifestSigner.of(keys)
            .sign(new Manifest(product, "1.0.0", "ab".repeat(32), 1024, Instant.now()));
    Downgrade downgrade =
        signing.grantDowngrade("dev-1", "update-1", older.canonicalJson()).orElseThrow();
    DowngradeGrant grant =
        ManifestVerifier.of(publicKey).verifyGrant(downgrade.grant(), downgrade.signature());
    assertThat(grant.deviceId()).isEqualTo("dev-1");
    assertThat(grant.productId()).isEqualTo(product);

    String master = Files.readString(masterFile, StandardCharsets.US_ASCII).strip();
    assertThat(Base64.getDecoder().decode(master)).hasSize(32);
    // The file as it is, trailing newline included, as a Secret hands it to the API.
    assertThat(new RequestSigningKeys(Files.readString(masterFile)).configured()).isTrue();
    String webhooks = Files.readString(webhooksFile, StandardCharsets.US_ASCII).strip();
    assertThat(Base64.getDecoder().decode(webhooks))
        .hasSize(32)
        .isNotEqualTo(Base64.getDecoder().decode(master));
    assertThat(
            new WebhookKeys(
                    new WebhookProperties(
                        Files.readString(webhooksFile),
                        "",
                        true,
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(5),
                        Duration.ofHours(1),
                        10,
                        32,
                        Duration.ofMillis(200),
                        Duration.ofSeconds(30),
                        Duration.ofDays(30)))
                .configured())
        .isTrue();

    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(printed)
        .contains(
            "FIRMAMENT_SIGNING_PRIVATEKEYFILE",
            "FIRMAMENT_SIGNING_PUBLICKEYFILE",
            "FIRMAMENT_SECURITY_REQUESTSIGNINGKEY",
            "FIRMAMENT_WEBHOOKS_SECRETKEY",
            "secret generic firmament-webhooks",
            "secret generic firmament-signing",
            "secret generic firmament-request-signing",
            publicKey)
        .doesNotContain(keys.privateKeyBase64(), master, webhooks);
  }

  @Test
  void refusesToOverwriteAnExistingKey() throws IOException {
    Path dir = temp.resolve("keys");
    assertThat(keys("keys", "generate", "--dir", dir.toString())).isZero();
    Path privateFile = dir.resolve(KeysCommand.PRIVATE_KEY_FILE);
    String before = Files.readString(privateFile);

    assertThat(keys("keys", "generate", "--dir", dir.toString())).isEqualTo(KeysCommand.FAILURE);

    assertThat(Files.readString(privateFile)).isEqualTo(before);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("refusing to overwrite");
  }

  @Test
  void oneExistingFileStopsTheWholeRunBeforeAnythingIsWritten() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("keys"));
    Files.writeString(dir.resolve(KeysCommand.REQUEST_SIGNING_KEY_FILE), "kept\n");

    assertThat(keys("keys", "generate", "--dir", dir.toString())).isEqualTo(KeysCommand.FAILURE);

    assertThat(dir.resolve(KeysCommand.PRIVATE_KEY_FILE)).doesNotExist();
    assertThat(dir.resolve(KeysCommand.PUBLIC_KEY_FILE)).doesNotExist();
    assertThat(dir.resolve(KeysCommand.REQUEST_SIGNING_KEY_FILE)).hasContent("kept");
  }

  @Test
  void anUnknownSubcommandIsAUsageError() {
    assertThat(keys("keys", "rotate")).isEqualTo(KeysCommand.USAGE);
    assertThat(keys("keys", "generate", "--dir")).isEqualTo(KeysCommand.USAGE);
  }
}
