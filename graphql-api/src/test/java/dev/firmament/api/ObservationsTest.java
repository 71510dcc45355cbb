package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.config.ApiConfiguration;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

/** Requests are observed as a whole; each field's data fetcher and each security filter are not. */
class ObservationsTest {

  @Test
  void perFieldAndSecurityFilterObservationsAreNotRecorded() {
    ObservationRegistry registry = ObservationRegistry.create();
    registry.observationConfig().observationHandler(new Recorded());
    registry
        .observationConfig()
        .observationPredicate(new ApiConfiguration().perFieldObservationsOff());
    assertThat(Observation.start("graphql.request", registry).isNoop()).isFalse();
    assertThat(Observation.start("http.server.requests", registry).isNoop()).isFalse();
    assertThat(Observation.start("graphql.datafetcher", registry).isNoop()).isTrue();
    assertThat(Observation.start("spring.security.filterchains", registry).isNoop()).isTrue();
  }

  private static final class Recorded implements ObservationHandler<Observation.Context> {
    @Override
    public boolean supportsContext(Observation.Context context) {
      return true;
    }
  }
}
