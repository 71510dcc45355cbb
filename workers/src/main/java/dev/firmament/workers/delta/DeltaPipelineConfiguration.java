package dev.firmament.workers.delta;

import dev.firmament.artifact.ArtifactStore;
import dev.firmament.delta.DiffOptions;
import org.jooq.DSLContext;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The delta pipeline's beans. The host process brings the {@link DSLContext} and the {@link
 * ArtifactStore}; the Temporal worker that serves the delta queue is registered by the host too
 * (the workers module's {@code DeltaWorkers}).
 */
@Configuration(proxyBeanMethods = false)
public class DeltaPipelineConfiguration {

  @Bean
  DeltaRecords deltaRecords(DSLContext dsl) {
    return new DeltaRecords(dsl);
  }

  @Bean
  ReleaseSigning releaseSigning(
      @Value("${firmament.signing.private-key:}") String privateKey,
      @Value("${firmament.signing.public-key:}") String publicKey,
      @Value("${firmament.signing.private-key-file:}") String privateKeyFile,
      @Value("${firmament.signing.public-key-file:}") String publicKeyFile) {
    return ReleaseSigning.fromSettings(privateKey, publicKey, privateKeyFile, publicKeyFile);
  }

  @Bean
  public DeltaBuildActivitiesImpl deltaBuildActivities(
      DeltaRecords deltaRecords,
      ArtifactStore artifactStore,
      ReleaseSigning releaseSigning,
      @Value("${firmament.delta.recent-versions:3}") int recentVersions,
      @Value("${firmament.delta.codec:SMALLEST}") String codec) {
    return new DeltaBuildActivitiesImpl(
        deltaRecords, artifactStore, recentVersions, options(codec), releaseSigning);
  }

  /**
   * The differ's options for {@code firmament.delta.codec}: {@code SMALLEST} (the default: LZMA
   * streams where smaller, 2-9% on the patches we measured, sent only to devices that declare
   * {@code LZMA}, with the same patch coded with zstd published beside it for the others) or {@code
   * ZSTD} (zstd patches only, what every applier decodes).
   */
  public static DiffOptions options(String codec) {
    try {
      return DiffOptions.DEFAULT.withCodec(
          DiffOptions.Codec.valueOf(codec.trim().toUpperCase(java.util.Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "firmament.delta.codec must be ZSTD or SMALLEST, was '" + codec + "'", e);
    }
  }
}
