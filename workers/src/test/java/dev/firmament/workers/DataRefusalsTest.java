package dev.firmament.workers;

import static dev.firmament.sql.generated.Tables.OTA_STAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import dev.firmament.orchestrator.rollout.RolloutFailures;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataRefusalsTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @Test
  void aValueTheColumnCannotHoldIsRefusedForGood() {
    UUID[] tenant = database.organizationWithProduct();
    UUID firmware = database.firmware(tenant[0], tenant[1], "2.0", 10L);
    UUID job = database.job(tenant[0], tenant[1], firmware, "2.0", 1);
    RuntimeException refused =
        catchRuntimeException(
            () ->
                database
                    .dsl()
                    .insertInto(OTA_STAGES)
                    .set(OTA_STAGES.ORGANIZATION_ID, tenant[0])
                    .set(OTA_STAGES.JOB_ID, job)
                    .set(OTA_STAGES.STAGE_INDEX, 0)
                    .set(OTA_STAGES.NAME, "s".repeat(150))
                    .set(OTA_STAGES.KIND, "UPDATE")
                    .set(OTA_STAGES.STATUS, "PENDING")
                    .execute());

    RuntimeException translated = DataRefusals.translate(refused);

    assertThat(translated).isInstanceOf(ApplicationFailure.class);
    ApplicationFailure failure = (ApplicationFailure) translated;
    assertThat(failure.getType()).isEqualTo(RolloutFailures.DATA_REFUSED);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains("value too long");
  }

  @Test
  void whatARetryCanFixStaysRetryable() {
    for (String state : new String[] {"08006", "40001", "57P01", "23505", null}) {
      RuntimeException failure =
          new IllegalStateException("wrapped", new SQLException("transient", state));
      assertThat(DataRefusals.translate(failure)).as(state).isSameAs(failure);
    }
    RuntimeException plain = new IllegalStateException("no SQL cause");
    assertThat(DataRefusals.translate(plain)).isSameAs(plain);
  }

  @Test
  void dataAndIntegrityClassesAreRefusals() {
    assertThat(DataRefusals.refusesData("22001")).isTrue();
    assertThat(DataRefusals.refusesData("22003")).isTrue();
    assertThat(DataRefusals.refusesData("23503")).isTrue();
    assertThat(DataRefusals.refusesData("23514")).isTrue();
    assertThat(DataRefusals.refusesData("23505")).isFalse();
    assertThat(DataRefusals.refusesData("42P01")).isFalse();
  }
}
