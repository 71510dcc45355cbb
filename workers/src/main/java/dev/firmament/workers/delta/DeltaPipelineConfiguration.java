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
      @Value("${firmament.delta.recent-versions:3}") int recentVersions) {
    return new DeltaBuildActivitiesImpl(
        deltaRecords, artifactStore, recentVersions, DiffOptions.DEFAULT, releaseSigning);
  }
}
