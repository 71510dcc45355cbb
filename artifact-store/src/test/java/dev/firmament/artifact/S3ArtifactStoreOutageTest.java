package dev.firmament.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.devstack.EmbeddedS3;
import dev.firmament.devstack.FreePorts;
import dev.firmament.manifest.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that starts while S3 is down: the store is built, its calls fail as infrastructure
 * errors, and once S3 is up it creates its bucket and works, with no restart. Wrong keys are a
 * configuration error and stop the start.
 */
class S3ArtifactStoreOutageTest {
  private static final String BUCKET = "outage-test";

  @TempDir Path dataDir;

  @Test
  void aStoreBuiltWhileS3IsDownWorksOnceS3IsUp() {
    int port = FreePorts.pick();
    String endpoint = "http://127.0.0.1:" + port;
    S3ArtifactStore store =
        S3ArtifactStore.connect(
            endpoint, EmbeddedS3.DEFAULT_ACCESS_KEY, EmbeddedS3.DEFAULT_SECRET_KEY, BUCKET);
    byte[] image = "firmware 1.1.0".getBytes(StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> store.put("firmware", image))
        .isExactlyInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining(BUCKET);
    String key = S3ArtifactStore.keyFor("firmware", Sha256.hex(image));
    assertThatThrownBy(() -> store.stat(key)).isExactlyInstanceOf(ArtifactStoreException.class);

    try (EmbeddedS3 s3 = EmbeddedS3.start(dataDir, port)) {
      assertThat(s3.endpoint()).isEqualTo(endpoint);
      StoredArtifact stored = store.put("firmware", image);

      assertThat(stored.storageKey()).isEqualTo(key);
      assertThat(store.read(key)).isEqualTo(image);
      assertThat(store.stat(key)).contains(stored);
    }
  }

  @Test
  void closingOneStoreLeavesTheOthersWorking() {
    // Stores copy one per-process HTTP client template; each must keep connections and threads of
    // its own, so that closing one does not shut another's.
    try (EmbeddedS3 s3 = EmbeddedS3.start(dataDir, 0)) {
      S3ArtifactStore first =
          S3ArtifactStore.connect(
              s3.endpoint(), EmbeddedS3.DEFAULT_ACCESS_KEY, EmbeddedS3.DEFAULT_SECRET_KEY, BUCKET);
      S3ArtifactStore second =
          S3ArtifactStore.connect(
              s3.endpoint(), EmbeddedS3.DEFAULT_ACCESS_KEY, EmbeddedS3.DEFAULT_SECRET_KEY, BUCKET);
      byte[] image = "firmware 1.2.0".getBytes(StandardCharsets.US_ASCII);
      StoredArtifact stored = first.put("firmware", image);
      first.close();
      assertThat(second.read(stored.storageKey())).isEqualTo(image);
      assertThat(second.put("firmware", "firmware 1.3.0".getBytes(StandardCharsets.US_ASCII)))
          .isNotNull();
      second.close();
    }
  }

  @Test
  void wrongKeysStopTheStart() {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dataDir, 0)) {
      assertThatThrownBy(
              () ->
                  S3ArtifactStore.connect(
                      s3.endpoint(), EmbeddedS3.DEFAULT_ACCESS_KEY, "not-the-secret", BUCKET))
          .isExactlyInstanceOf(ArtifactStoreException.class)
          .hasMessageContaining("cannot prepare bucket " + BUCKET);
    }
  }
}
