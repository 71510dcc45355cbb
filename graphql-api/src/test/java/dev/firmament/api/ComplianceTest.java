package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code Product.compliance}: the devices by reported version, the newest valid firmware, who is
 * behind it, and who failed their last update.
 */
class ComplianceTest extends ApiIntegrationTest {
  private static final String COMPLIANCE =
      """
      query($p: ID!, $from: Int, $size: Int) { product(id: $p) { compliance {
        totalDevices versions { version count } latestVersion { version title } behindLatest
        failedLastUpdate(from: $from, size: $size) { total hasMore last items { id } } } } }""";

  private static final OffsetDateTime T0 = OffsetDateTime.parse("2026-04-01T00:00:00Z");

  @Test
  void countsVersionsTheLatestValidFirmwareAndFailedLastUpdates() {
    String productId = createProduct();
    List<String> d = registerDevices(productId, unique("fleet"), 6);
    // d0..d2 stay on 1.0.0, d3 and d4 move to 2.0.0, d5 never reported a version.
    reportVersion(d.get(3), "2.0.0");
    reportVersion(d.get(4), "2.0.0");
    reportVersion(d.get(5), null);
    uploaded(uploadFirmware(productId, "1.0.0", unique("v1").getBytes(StandardCharsets.UTF_8)), 0);
    uploaded(uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8)), 1);
    String newest =
        uploadFirmware(productId, "3.0.0", unique("v3").getBytes(StandardCharsets.UTF_8));
    uploaded(newest, 2);
    graphQl
        .document(
            "mutation($f: ID!) { invalidateFirmware(input: {firmwareId: $f}) { firmware { id } } }")
        .variable("f", newest)
        .execute()
        .errors()
        .verify();

    // Two rollouts; what counts is each device's result in the newer one it took part in.
    String older = job(productId, 0);
    String newer = job(productId, 1);
    result(older, d.get(0), "FAILED"); // only in the older one: failed last
    result(older, d.get(1), "FAILED");
    result(newer, d.get(1), "SUCCEEDED"); // fixed by the newer one
    result(older, d.get(2), "SUCCEEDED");
    result(newer, d.get(2), "TIMED_OUT"); // broken by the newer one
    result(newer, d.get(3), "REJECTED");
    result(older, d.get(4), "FAILED");
    result(newer, d.get(4), "INSTALLING"); // being retried: not failed yet
    result(newer, d.get(5), "CANCELED"); // canceled is not a failure of the device

    graphQl
        .document(COMPLIANCE)
        .variable("p", productId)
        .variable("size", 2)
        .execute()
        .path("product.compliance")
        .matchesJsonStrictly(
            """
            {"totalDevices": 6,
             "versions": [{"version": "1.0.0", "count": 3}, {"version": "2.0.0", "count": 2},
                          {"version": null, "count": 1}],
             "latestVersion": {"version": "2.0.0", "title": "Build 2.0.0"},
             "behindLatest": 4,
             "failedLastUpdate": {"total": 3, "hasMore": true, "last": 1,
                                  "items": [{"id": "%s"}, {"id": "%s"}]}}"""
                .formatted(d.get(0), d.get(2)));
    graphQl
        .document(COMPLIANCE)
        .variable("p", productId)
        .variable("from", 2)
        .execute()
        .path("product.compliance.failedLastUpdate")
        .matchesJsonStrictly(
            """
            {"total": 3, "hasMore": false, "last": 2, "items": [{"id": "%s"}]}"""
                .formatted(d.get(3)));

    assertRefused(
        graphQl.document(COMPLIANCE).variable("p", productId).variable("size", 1001),
        "INVALID_ARGUMENT");
  }

  @Test
  void withoutAValidFirmwareNobodyIsBehind() {
    String productId = createProduct();
    registerDevices(productId, unique("bare"), 2);

    graphQl
        .document(COMPLIANCE)
        .variable("p", productId)
        .execute()
        .path("product.compliance")
        .matchesJsonStrictly(
            """
            {"totalDevices": 2, "versions": [{"version": "1.0.0", "count": 2}],
             "latestVersion": null, "behindLatest": 0,
             "failedLastUpdate": {"total": 0, "hasMore": false, "last": null, "items": []}}""");
  }

  private void reportVersion(String deviceId, String version) {
    dsl.update(DEVICES)
        .set(DEVICES.FIRMWARE_VERSION, version)
        .where(DEVICES.ID.eq(deviceId))
        .execute();
  }

  private void uploaded(String firmwareId, int minute) {
    dsl.update(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.UPLOADED_AT, T0.plusMinutes(minute))
        .where(PRODUCT_FIRMWARE.ID.eq(UUID.fromString(firmwareId)))
        .execute();
  }

  private String job(String productId, int minute) {
    String jobId =
        besideOpenRollouts(
            productId,
            () ->
                graphQl
                    .documentName("CreateOTAJob")
                    .variable("productId", productId)
                    .variable("targetVersion", "2.0.0")
                    .execute()
                    .path("createOTAJob.job.id")
                    .entity(String.class)
                    .get());
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.CREATED_AT, T0.plusMinutes(minute))
        .where(OTA_JOBS.ID.eq(UUID.fromString(jobId)))
        .execute();
    return jobId;
  }

  private void result(String jobId, String deviceId, String state) {
    dsl.insertInto(OTA_RESULTS)
        .set(
            OTA_RESULTS.ORGANIZATION_ID,
            dsl.select(DEVICES.ORGANIZATION_ID).from(DEVICES).where(DEVICES.ID.eq(deviceId)))
        .set(OTA_RESULTS.JOB_ID, UUID.fromString(jobId))
        .set(OTA_RESULTS.DEVICE_ID, deviceId)
        .set(OTA_RESULTS.STATE, state)
        .execute();
  }
}
