package dev.firmament.workers.usage;

import static dev.firmament.sql.generated.Tables.SIMS;
import static dev.firmament.sql.generated.Tables.SIM_USAGE_DAYS;
import static dev.firmament.sql.generated.Tables.USAGE_DAYS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.protocol.server.DeviceUsage;
import dev.firmament.workers.RecordingGateway;
import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's meter written to usage on real PostgreSQL: firmware and ledger bytes land in the
 * SIM that is in the device and in the product's day, a SIM moved to another device keeps what it
 * had, a device without a SIM still counts for its product, and what a drain returned is written
 * once.
 */
class UsageFlushTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  private static long[] simDay(UUID sim) {
    var r =
        dsl.selectFrom(SIM_USAGE_DAYS)
            .where(SIM_USAGE_DAYS.SIM_ID.eq(sim))
            .and(SIM_USAGE_DAYS.DAY.eq(LocalDate.now(ZoneOffset.UTC)))
            .fetchOne();
    return r == null ? new long[] {0, 0} : new long[] {r.getOtaBytes(), r.getLedgerBytes()};
  }

  @Test
  void meteredBytesLandInTheSimInTheDeviceAndInTheProductOnce() {
    UUID[] orgAndProduct = database.organizationWithProduct();
    String first = database.device(orgAndProduct, false);
    String second = database.device(orgAndProduct, false);
    String bare = database.device(orgAndProduct, false);
    UUID simA = database.sim(orgAndProduct[0], first, 1_000_000L, "INACTIVE");
    RecordingGateway gateway = new RecordingGateway();
    UsageFlush flush = new UsageFlush(dsl, gateway, Duration.ofHours(1));
    try {
      gateway.usage.put(first, new DeviceUsage(4_000, 120, 2));
      gateway.usage.put(bare, new DeviceUsage(1_000, 0, 0));
      assertThat(flush.flush()).isEqualTo(2);
      assertThat(flush.flush()).as("a drain is written once").isZero();
      assertThat(simDay(simA)).containsExactly(4_000, 120);

      // The SIM moves to the second device; the first gets another SIM.
      dsl.update(SIMS).setNull(SIMS.DEVICE_ID).where(SIMS.ID.eq(simA)).execute();
      dsl.update(SIMS).set(SIMS.DEVICE_ID, second).where(SIMS.ID.eq(simA)).execute();
      UUID simB = database.sim(orgAndProduct[0], first, 1_000_000L, "INACTIVE");
      gateway.usage.put(first, new DeviceUsage(500, 0, 0));
      gateway.usage.put(second, new DeviceUsage(70, 30, 1));
      flush.flush();

      assertThat(simDay(simA)).containsExactly(4_070, 150);
      assertThat(simDay(simB)).containsExactly(500, 0);
      var product =
          dsl.selectFrom(USAGE_DAYS)
              .where(USAGE_DAYS.ORGANIZATION_ID.eq(orgAndProduct[0]))
              .and(USAGE_DAYS.PRODUCT_ID.eq(orgAndProduct[1]))
              .fetchSingle();
      assertThat(product.getOtaBytes()).isEqualTo(4_000 + 1_000 + 500 + 70);
      assertThat(product.getLedgerBytes()).isEqualTo(150);
      assertThat(product.getLedgerSyncs()).isEqualTo(3);
      assertThat(product.getEvents()).isZero();
    } finally {
      flush.destroy();
    }
  }
}
