package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;

import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import dev.firmament.sql.generated.tables.records.OtaResultsRecord;
import dev.firmament.workers.TestDatabase;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The seed of the job, target and result tests: a new organization whose product has seven devices
 * on version 1.0 and a firmware 2.0 of 1234 bytes, with reads of what the repositories wrote.
 */
final class SevenDevices {
  final TestDatabase database;
  final DSLContext dsl;
  final UUID org;
  final UUID product;
  final UUID firmware;

  private SevenDevices(TestDatabase database, UUID org, UUID product, UUID firmware) {
    this.database = database;
    this.dsl = database.dsl();
    this.org = org;
    this.product = product;
    this.firmware = firmware;
  }

  static SevenDevices seed(TestDatabase database) {
    DSLContext dsl = database.dsl();
    UUID[] tenant = database.organizationWithProduct();
    for (int i = 0; i < 7; i++) {
      dsl.insertInto(DEVICES)
          .set(DEVICES.ID, device(tenant[0], i))
          .set(DEVICES.ORGANIZATION_ID, tenant[0])
          .set(DEVICES.PRODUCT_ID, tenant[1])
          .set(DEVICES.NAME, "d" + i)
          .set(DEVICES.FIRMWARE_VERSION, "1.0")
          .execute();
    }
    UUID firmware = database.firmware(tenant[0], tenant[1], "2.0", 1234L);
    return new SevenDevices(database, tenant[0], tenant[1], firmware);
  }

  private static String device(UUID org, int i) {
    return "dev-" + org.toString().substring(0, 8) + "-" + i;
  }

  String device(int i) {
    return device(org, i);
  }

  /** A new job updating the product to 2.0, of every device or of a group's when given. */
  OtaJobsRecord job(UUID groupId) {
    UUID id = database.job(org, product, firmware, "2.0", 2, groupId);
    return dsl.fetchSingle(OTA_JOBS, OTA_JOBS.ID.eq(id));
  }

  OtaResultsRecord result(UUID jobId, String deviceId) {
    return dsl.selectFrom(OTA_RESULTS)
        .where(OTA_RESULTS.JOB_ID.eq(jobId))
        .and(OTA_RESULTS.DEVICE_ID.eq(deviceId))
        .fetchOne();
  }

  /** The states in the device's history for the job, oldest first. */
  List<String> history(UUID jobId, String deviceId) {
    return dsl.select(OTA_RESULT_HISTORY.STATE)
        .from(OTA_RESULT_HISTORY)
        .where(OTA_RESULT_HISTORY.JOB_ID.eq(jobId))
        .and(OTA_RESULT_HISTORY.DEVICE_ID.eq(deviceId))
        .orderBy(OTA_RESULT_HISTORY.ID)
        .fetch(OTA_RESULT_HISTORY.STATE);
  }
}
