package dev.firmament.workers.delivery;

import static dev.firmament.sql.generated.Tables.SIM_USAGE_DAYS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data cap check on real PostgreSQL: the month's use (each day the larger of what was measured
 * and what the device reported) plus the update against the cap of the device's active SIM; days of
 * other months, inactive SIMs and devices without a SIM do not hold a device back.
 */
class DataCapsTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;
  private static DataCaps caps;
  private static UUID[] orgAndProduct;

  /** Mid-month, so that the month's first and last days are both in the past or the future. */
  private static final OffsetDateTime NOW =
      OffsetDateTime.of(2026, 12, 15, 12, 0, 0, 0, ZoneOffset.UTC);

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
    caps = new DataCaps(dsl);
    orgAndProduct = database.organizationWithProduct();
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @Test
  void anUpdateThatWouldPassTheCapIsDeferredUntilTheNextMonth() {
    String device = database.device(orgAndProduct, true);
    UUID sim = database.sim(orgAndProduct[0], device, 10_000, "ACTIVE");
    day(sim, LocalDate.of(2026, 12, 1), 3_000, 0);
    day(sim, LocalDate.of(2026, 12, 14), 2_000, 0);

    // 5,000 used: 5,000 more fits exactly, one byte more does not.
    assertThat(caps.check(device, 5_000, NOW)).isEmpty();
    DataCaps.Deferral deferral = caps.check(device, 5_001, NOW).orElseThrow();
    assertThat(deferral.simId()).isEqualTo(sim);
    assertThat(deferral.used()).isEqualTo(5_000);
    assertThat(deferral.cap()).isEqualTo(10_000);
    assertThat(deferral.updateBytes()).isEqualTo(5_001);
    assertThat(deferral.until())
        .isEqualTo(OffsetDateTime.of(2027, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
    assertThat(deferral.detail())
        .isEqualTo(
            "deferred: its SIM has used 5000 of its 10000 bytes this month and the update is 5001"
                + " bytes; waits for 2027-01-01 or an operator's override");
    assertThat(deferral.skippedDetail())
        .isEqualTo(
            "skipped: its SIM has used 5000 of its 10000 bytes this month and the update is 5001"
                + " bytes");
  }

  @Test
  void eachDayCountsTheLargerOfWhatWasMeasuredAndWhatTheDeviceReported() {
    String device = database.device(orgAndProduct, true);
    UUID sim = database.sim(orgAndProduct[0], device, 10_000, "ACTIVE");
    // Measured 1,000 (ota) + 100 + 100 + 100 on one day, the device reported 4,000; another day
    // the device reported less than was measured.
    dsl.insertInto(SIM_USAGE_DAYS)
        .set(SIM_USAGE_DAYS.SIM_ID, sim)
        .set(SIM_USAGE_DAYS.DAY, LocalDate.of(2026, 12, 3))
        .set(SIM_USAGE_DAYS.ORGANIZATION_ID, orgAndProduct[0])
        .set(SIM_USAGE_DAYS.OTA_BYTES, 1_000L)
        .set(SIM_USAGE_DAYS.CALL_BYTES, 100L)
        .set(SIM_USAGE_DAYS.EVENT_BYTES, 100L)
        .set(SIM_USAGE_DAYS.LEDGER_BYTES, 100L)
        .set(SIM_USAGE_DAYS.REPORTED_BYTES, 4_000L)
        .execute();
    day(sim, LocalDate.of(2026, 12, 4), 2_000, 500);

    assertThat(caps.check(device, 4_000, NOW)).isEmpty();
    assertThat(caps.check(device, 4_001, NOW).orElseThrow().used()).isEqualTo(6_000);
  }

  @Test
  void daysOfOtherMonthsDoNotCount() {
    String device = database.device(orgAndProduct, true);
    UUID sim = database.sim(orgAndProduct[0], device, 10_000, "ACTIVE");
    day(sim, LocalDate.of(2026, 11, 30), 9_000, 0);
    day(sim, LocalDate.of(2027, 1, 1), 9_000, 0);

    assertThat(caps.check(device, 10_000, NOW)).isEmpty();
    assertThat(caps.check(device, 10_001, NOW).orElseThrow().used()).isZero();
  }

  @Test
  void onlyAnActiveSimHoldsADeviceBack() {
    String inactive = database.device(orgAndProduct, true);
    database.sim(orgAndProduct[0], inactive, 10, "INACTIVE");
    String deactivated = database.device(orgAndProduct, true);
    database.sim(orgAndProduct[0], deactivated, 10, "DEACTIVATED");
    String withoutSim = database.device(orgAndProduct, true);

    assertThat(caps.check(inactive, 1_000, NOW)).isEmpty();
    assertThat(caps.check(deactivated, 1_000, NOW)).isEmpty();
    assertThat(caps.check(withoutSim, 1_000, NOW)).isEmpty();
  }

  @Test
  void aSimWithNoUsageYetIsHeldToItsCapAlone() {
    String device = database.device(orgAndProduct, true);
    database.sim(orgAndProduct[0], device, 100, "ACTIVE");

    assertThat(caps.check(device, 100, NOW)).isEmpty();
    assertThat(caps.check(device, 101, NOW).orElseThrow().used()).isZero();
  }

  @Test
  void theNextMonthIsReckonedInUtc() {
    String device = database.device(orgAndProduct, true);
    database.sim(orgAndProduct[0], device, 0, "ACTIVE");
    // 23:30 on 31 December at UTC-2 is already January in UTC: the month is January's.
    OffsetDateTime lateInTheYear =
        OffsetDateTime.of(2026, 12, 31, 23, 30, 0, 0, ZoneOffset.ofHours(-2));

    assertThat(caps.check(device, 1, lateInTheYear).orElseThrow().until())
        .isEqualTo(OffsetDateTime.of(2027, 2, 1, 0, 0, 0, 0, ZoneOffset.UTC));
  }

  private static void day(UUID sim, LocalDate day, long otaBytes, long reportedBytes) {
    dsl.insertInto(SIM_USAGE_DAYS)
        .set(SIM_USAGE_DAYS.SIM_ID, sim)
        .set(SIM_USAGE_DAYS.DAY, day)
        .set(SIM_USAGE_DAYS.ORGANIZATION_ID, orgAndProduct[0])
        .set(SIM_USAGE_DAYS.OTA_BYTES, otaBytes)
        .set(SIM_USAGE_DAYS.REPORTED_BYTES, reportedBytes)
        .execute();
  }
}
