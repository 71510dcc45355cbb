package dev.firmament.workers.delivery;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static dev.firmament.sql.generated.Tables.OTA_ROLLBACK_RESULTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.firmament.devstack.EmbeddedTemporal;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.Presence;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DeviceReport;
import dev.firmament.protocol.server.PresenceEvent;
import dev.firmament.sql.generated.tables.records.OtaRollbackResultsRecord;
import dev.firmament.workers.RecordingGateway;
import dev.firmament.workers.TestDatabase;
import dev.firmament.workers.delta.ReleaseSigning;
import dev.firmament.workers.device.DevicePresence;
import dev.firmament.workers.rollout.JobRecords;
import dev.firmament.workers.rollout.JobTargets;
import dev.firmament.workers.rollout.ResultTransitions;
import dev.firmament.workers.rollout.RollbackRecords;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status bridge's rounds on a real PostgreSQL: reports recorded in arrival order per device
 * even when one round holds several of a device's reports, foreign and presence messages in
 * between.
 */
class StatusBridgeTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static EmbeddedTemporal temporal;
  private static WorkflowServiceStubs service;
  private static DSLContext dsl;
  private static StatusBridge bridge;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
    temporal = EmbeddedTemporal.start(0);
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
    WorkflowClient client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace(temporal.namespace()).build());
    DeviceGateway gateway = new RecordingGateway();
    ResultTransitions transitions = new ResultTransitions(dsl);
    bridge =
        new StatusBridge(
            transitions,
            new DevicePresence(dsl),
            new RollbackDelivery(
                new RollbackRecords(dsl, transitions),
                new ArtifactCache(null, 1),
                gateway,
                ReleaseSigning.none(),
                4096),
            new CompletionOutbox(transitions, client, 15),
            client,
            gateway,
            1,
            Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() throws Exception {
    bridge.destroy();
    service.shutdownNow();
    temporal.close();
    database.close();
  }

  @Test
  void aRoundKeepsEachDevicesOrderAndRecordsVersionsAndBytes() {
    List<String> devices = new ArrayList<>();
    UUID job = offeredJob(3, devices);
    String a = devices.get(0);
    String b = devices.get(1);
    String c = devices.get(2);

    bridge.handle(
        List.of(
            report(a, key(job, a), DeviceState.DOWNLOADING, 100L, null, null),
            report(b, key(job, b), DeviceState.DOWNLOADING, 50L, null, null),
            // Same device again in the round: recorded after its first report.
            report(a, key(job, a), DeviceState.VERIFYING, 300L, null, null),
            new PresenceEvent(c, Presence.offline()),
            // A report on device c's topic naming device b's update: ignored.
            report(c, key(job, b), DeviceState.FAILED, null, ErrorCode.INTERNAL, null),
            report(a, key(job, a), DeviceState.SUCCEEDED, null, null, "2.0"),
            report(b, key(job, b), DeviceState.FAILED, 120L, ErrorCode.HASH_MISMATCH, null),
            // A late report after the terminal one changes nothing.
            report(a, key(job, a), DeviceState.DOWNLOADING, 10L, null, null)));

    assertThat(history(job, a))
        .containsExactly("QUEUED", "SENT", "DOWNLOADING", "VERIFYING", "SUCCEEDED");
    assertThat(history(job, b)).containsExactly("QUEUED", "SENT", "DOWNLOADING", "FAILED");
    assertThat(history(job, c)).containsExactly("QUEUED", "SENT");
    assertThat(result(job, a).getBytesSent()).isEqualTo(300L);
    assertThat(result(job, b).getBytesSent()).isEqualTo(120L);
    assertThat(result(job, b).getErrorCode()).isEqualTo("HASH_MISMATCH");
    assertThat(dsl.fetchValue(DEVICES.FIRMWARE_VERSION, DEVICES.ID.eq(a))).isEqualTo("2.0");
    assertThat(dsl.fetchValue(DEVICES.FIRMWARE_VERSION, DEVICES.ID.eq(b))).isEqualTo("1.0");
    assertThat(dsl.fetchValue(DEVICES.ONLINE, DEVICES.ID.eq(c))).isFalse();
  }

  @Test
  void aDeviceThatClaimsTheWholeArtifactWithoutDownloadingIsNotBelieved() {
    List<String> devices = new ArrayList<>();
    UUID job = offeredJob(4, devices);
    String claims = devices.get(0);
    String verifies = devices.get(1);
    String alreadyRan = devices.get(2);
    String downloaded = devices.get(3);

    bridge.handle(
        List.of(
            report(claims, key(job, claims), DeviceState.SUCCEEDED, null, null, "2.0-other"),
            report(verifies, key(job, verifies), DeviceState.VERIFYING, 300L, null, null),
            report(alreadyRan, key(job, alreadyRan), DeviceState.SUCCEEDED, null, null, "2.0"),
            report(downloaded, key(job, downloaded), DeviceState.DOWNLOADING, 0L, null, null),
            report(downloaded, key(job, downloaded), DeviceState.SUCCEEDED, null, null, "2.0")));

    // Skipping the download is a protocol violation, whatever the device claims.
    assertThat(result(job, claims).getState()).isEqualTo("FAILED");
    assertThat(result(job, claims).getErrorCode()).isEqualTo(StatusBridge.PROTOCOL_VIOLATION);
    assertThat(result(job, claims).getBytesSent()).isZero();
    assertThat(dsl.fetchValue(DEVICES.FIRMWARE_VERSION, DEVICES.ID.eq(claims))).isEqualTo("1.0");
    assertThat(result(job, verifies).getState()).isEqualTo("FAILED");
    assertThat(result(job, verifies).getBytesSent()).isZero();
    // A device that already runs the target succeeds without a download: nothing was sent.
    assertThat(result(job, alreadyRan).getState()).isEqualTo("SUCCEEDED");
    assertThat(result(job, alreadyRan).getBytesSent()).isZero();
    // A device that downloaded has the whole artifact when it succeeds.
    assertThat(result(job, downloaded).getState()).isEqualTo("SUCCEEDED");
    assertThat(result(job, downloaded).getBytesSent()).isEqualTo(300L);
  }

  @Test
  void aPresenceTheBrokerKeptIsRecordedOnlyWhenNothingNewerWas() {
    List<String> devices = new ArrayList<>();
    offeredJob(3, devices);
    String quiet = devices.get(0);
    String heard = devices.get(1);
    String same = devices.get(2);
    OffsetDateTime longAgo = OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(10);
    dsl.update(DEVICES)
        .set(DEVICES.ONLINE, false)
        .set(DEVICES.LAST_HEARD, longAgo)
        .where(DEVICES.ID.in(quiet, same))
        .execute();
    dsl.update(DEVICES)
        .set(DEVICES.ONLINE, true)
        .set(DEVICES.LAST_HEARD, OffsetDateTime.now(ZoneOffset.UTC))
        .where(DEVICES.ID.eq(heard))
        .execute();
    Instant asOf = Instant.now().minusSeconds(60);

    bridge.handle(
        List.of(
            // Connected while no worker listened: the broker kept its presence.
            new PresenceEvent(quiet, Presence.online("2.0"), asOf),
            // Heard since the reading began: the kept presence is older than the row.
            new PresenceEvent(heard, Presence.offline(), asOf),
            new PresenceEvent(same, Presence.offline(), asOf)));

    assertThat(dsl.fetchValue(DEVICES.ONLINE, DEVICES.ID.eq(quiet))).isTrue();
    assertThat(dsl.fetchValue(DEVICES.FIRMWARE_VERSION, DEVICES.ID.eq(quiet))).isEqualTo("2.0");
    assertThat(dsl.fetchValue(DEVICES.LAST_HEARD, DEVICES.ID.eq(quiet)).toInstant())
        .as("the broker told of it, the device was not heard now")
        .isCloseTo(longAgo.toInstant(), within(1, ChronoUnit.MILLIS));
    assertThat(dsl.fetchValue(DEVICES.ONLINE, DEVICES.ID.eq(heard))).isTrue();
    assertThat(dsl.fetchValue(DEVICES.ONLINE, DEVICES.ID.eq(same))).isFalse();
    assertThat(dsl.fetchValue(DEVICES.FIRMWARE_VERSION, DEVICES.ID.eq(same))).isEqualTo("1.0");
  }

  @Test
  void aRollbackReportIsCheckedAsAnUpdateReportIs() {
    List<String> devices = new ArrayList<>();
    UUID job = offeredJob(4, devices);
    var row = dsl.fetchOne(OTA_JOBS, OTA_JOBS.ID.eq(job));
    database.firmware(row.getOrganizationId(), row.getProductId(), "1.0", 3000L);
    for (int i = 0; i < devices.size(); i++) {
      dsl.insertInto(OTA_ROLLBACK_RESULTS)
          .set(OTA_ROLLBACK_RESULTS.ORGANIZATION_ID, row.getOrganizationId())
          .set(OTA_ROLLBACK_RESULTS.JOB_ID, job)
          .set(OTA_ROLLBACK_RESULTS.DEVICE_ID, devices.get(i))
          .set(OTA_ROLLBACK_RESULTS.TO_VERSION, "1.0")
          .set(OTA_ROLLBACK_RESULTS.STATE, "SENT")
          .set(OTA_ROLLBACK_RESULTS.STAGE_POSITION, (long) i + 1)
          .execute();
    }
    String claims = devices.get(0);
    String verifies = devices.get(1);
    String alreadyBack = devices.get(2);
    String downloaded = devices.get(3);

    bridge.handle(
        List.of(
            report(claims, rollbackKey(job, claims), DeviceState.SUCCEEDED, 3000L, null, "1.0-x"),
            report(verifies, rollbackKey(job, verifies), DeviceState.VERIFYING, 3000L, null, null),
            report(
                alreadyBack, rollbackKey(job, alreadyBack), DeviceState.SUCCEEDED, 0L, null, "1.0"),
            report(
                downloaded,
                rollbackKey(job, downloaded),
                DeviceState.DOWNLOADING,
                1200L,
                null,
                null),
            // The offset a device sends with its end is not what it was sent: the image's size is.
            report(
                downloaded,
                rollbackKey(job, downloaded),
                DeviceState.SUCCEEDED,
                77L,
                null,
                "1.0")));

    assertThat(rollback(job, claims).getState()).isEqualTo("FAILED");
    assertThat(rollback(job, claims).getErrorCode()).isEqualTo(StatusBridge.PROTOCOL_VIOLATION);
    assertThat(rollback(job, claims).getBytesSent()).isZero();
    assertThat(dsl.fetchValue(DEVICES.FIRMWARE_VERSION, DEVICES.ID.eq(claims))).isEqualTo("1.0");
    assertThat(rollback(job, verifies).getState()).isEqualTo("FAILED");
    assertThat(rollback(job, verifies).getErrorCode()).isEqualTo(StatusBridge.PROTOCOL_VIOLATION);
    assertThat(rollback(job, alreadyBack).getState()).isEqualTo("SUCCEEDED");
    assertThat(rollback(job, alreadyBack).getBytesSent()).isZero();
    assertThat(rollback(job, alreadyBack).getErrorMessage()).isEqualTo("device already ran 1.0");
    assertThat(rollback(job, downloaded).getState()).isEqualTo("SUCCEEDED");
    assertThat(rollback(job, downloaded).getBytesSent()).isEqualTo(3000L);
  }

  @Test
  void aDeviceThatReconnectsInALoopCostsOneWriteNotOnePerMessage() {
    List<String> devices = new ArrayList<>();
    offeredJob(1, devices);
    String device = devices.get(0);
    List<Object> flood = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      flood.add(new PresenceEvent(device, Presence.offline()));
      flood.add(new PresenceEvent(device, Presence.online("1.0")));
    }
    bridge.handle(flood);
    assertThat(dsl.fetchValue(DEVICES.ONLINE, DEVICES.ID.eq(device))).isTrue();
    var heard = dsl.fetchValue(DEVICES.LAST_HEARD, DEVICES.ID.eq(device));

    // The same presence again soon after: the row already says so, nothing is written.
    bridge.handle(List.of(new PresenceEvent(device, Presence.online("1.0"))));
    assertThat(dsl.fetchValue(DEVICES.LAST_HEARD, DEVICES.ID.eq(device))).isEqualTo(heard);

    // A change is recorded at once, and so is its opposite.
    bridge.handle(List.of(new PresenceEvent(device, Presence.online("2.0"))));
    assertThat(dsl.fetchValue(DEVICES.FIRMWARE_VERSION, DEVICES.ID.eq(device))).isEqualTo("2.0");
    bridge.handle(List.of(new PresenceEvent(device, Presence.offline())));
    assertThat(dsl.fetchValue(DEVICES.ONLINE, DEVICES.ID.eq(device))).isFalse();
  }

  /** A started job of {@code count} new devices (added to {@code devices}), each offered. */
  private static UUID offeredJob(int count, List<String> devices) {
    UUID[] tenant = database.organizationWithProduct();
    UUID firmware = database.firmware(tenant[0], tenant[1], "2.0", 4000L);
    for (int i = 0; i < count; i++) {
      String id = "bridge-" + tenant[0].toString().substring(0, 8) + "-" + i;
      devices.add(id);
      dsl.insertInto(DEVICES)
          .set(DEVICES.ID, id)
          .set(DEVICES.ORGANIZATION_ID, tenant[0])
          .set(DEVICES.PRODUCT_ID, tenant[1])
          .set(DEVICES.NAME, id)
          .set(DEVICES.FIRMWARE_VERSION, "1.0")
          .execute();
    }
    UUID job = database.job(tenant[0], tenant[1], firmware, "2.0", 10);
    ResultTransitions transitions = new ResultTransitions(dsl);
    JobRecords jobs = new JobRecords(dsl, new JobTargets(dsl, transitions), transitions);
    jobs.startJob(jobs.job(job).orElseThrow());
    for (String device : devices) {
      transitions.offered(job, device, "DELTA", "ab".repeat(32), 300, "offer", null);
    }
    return job;
  }

  private static String rollbackKey(UUID job, String device) {
    return "rollout/" + job + "/rollback/" + device;
  }

  private static OtaRollbackResultsRecord rollback(UUID job, String device) {
    return dsl.selectFrom(OTA_ROLLBACK_RESULTS)
        .where(OTA_ROLLBACK_RESULTS.JOB_ID.eq(job))
        .and(OTA_ROLLBACK_RESULTS.DEVICE_ID.eq(device))
        .fetchOne();
  }

  static String key(UUID job, String device) {
    return "rollout/" + job + "/device/" + device;
  }

  static DeviceReport report(
      String device,
      String updateId,
      DeviceState state,
      Long offset,
      ErrorCode code,
      String version) {
    return new DeviceReport(
        device,
        new StatusReport(
            updateId, state, offset, code, null, version == null ? "1.0" : version, Instant.now()));
  }

  private static List<String> history(UUID job, String device) {
    return dsl.select(OTA_RESULT_HISTORY.STATE)
        .from(OTA_RESULT_HISTORY)
        .where(OTA_RESULT_HISTORY.JOB_ID.eq(job))
        .and(OTA_RESULT_HISTORY.DEVICE_ID.eq(device))
        .orderBy(OTA_RESULT_HISTORY.ID)
        .fetch(OTA_RESULT_HISTORY.STATE);
  }

  private static dev.firmament.sql.generated.tables.records.OtaResultsRecord result(
      UUID job, String device) {
    return dsl.selectFrom(OTA_RESULTS)
        .where(OTA_RESULTS.JOB_ID.eq(job))
        .and(OTA_RESULTS.DEVICE_ID.eq(device))
        .fetchOne();
  }
}
