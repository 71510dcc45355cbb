package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rollout repository on a real PostgreSQL, migrated by the project's own Flyway scripts. */
class RolloutRecordsTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;
  private static RolloutRecords records;

  private UUID org;
  private UUID product;
  private UUID firmware;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
    records = new RolloutRecords(dsl);
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @BeforeEach
  void seed() {
    UUID[] tenant = database.organizationWithProduct();
    org = tenant[0];
    product = tenant[1];
    for (int i = 0; i < 7; i++) {
      dsl.insertInto(DEVICES)
          .set(DEVICES.ID, device(i))
          .set(DEVICES.ORGANIZATION_ID, org)
          .set(DEVICES.PRODUCT_ID, product)
          .set(DEVICES.NAME, "d" + i)
          .set(DEVICES.FIRMWARE_VERSION, "1.0")
          .execute();
    }
    firmware = database.firmware(org, product, "2.0", 1234L);
  }

  private String device(int i) {
    return "dev-" + org.toString().substring(0, 8) + "-" + i;
  }

  private OtaJobsRecord job(UUID groupId) {
    UUID id = database.job(org, product, firmware, "2.0", 2, groupId);
    return records.job(id).orElseThrow();
  }

  private dev.firmament.sql.generated.tables.records.OtaResultsRecord result(
      UUID jobId, String deviceId) {
    return dsl.selectFrom(OTA_RESULTS)
        .where(OTA_RESULTS.JOB_ID.eq(jobId))
        .and(OTA_RESULTS.DEVICE_ID.eq(deviceId))
        .fetchOne();
  }

  private List<String> history(UUID jobId, String deviceId) {
    return dsl.select(OTA_RESULT_HISTORY.STATE)
        .from(OTA_RESULT_HISTORY)
        .where(OTA_RESULT_HISTORY.JOB_ID.eq(jobId))
        .and(OTA_RESULT_HISTORY.DEVICE_ID.eq(deviceId))
        .orderBy(OTA_RESULT_HISTORY.ID)
        .fetch(OTA_RESULT_HISTORY.STATE);
  }

  @Test
  void startingAJobQueuesEveryTargetOnceEvenWhenRepeated() {
    OtaJobsRecord job = job(null);

    assertThat(records.startJob(job)).isEqualTo(7);
    assertThat(records.startJob(job)).isEqualTo(7);

    assertThat(dsl.fetchCount(OTA_RESULTS, OTA_RESULTS.JOB_ID.eq(job.getId()))).isEqualTo(7);
    assertThat(dsl.fetchCount(OTA_RESULT_HISTORY, OTA_RESULT_HISTORY.JOB_ID.eq(job.getId())))
        .isEqualTo(7);
    assertThat(records.job(job.getId()).orElseThrow().getStatus()).isEqualTo("RUNNING");
    assertThat(history(job.getId(), device(3))).containsExactly("QUEUED");

    // A later job on the same devices queues its own results and history, once.
    OtaJobsRecord next = job(null);
    assertThat(records.startJob(next)).isEqualTo(7);
    assertThat(records.startJob(next)).isEqualTo(7);
    assertThat(dsl.fetchCount(OTA_RESULT_HISTORY, OTA_RESULT_HISTORY.JOB_ID.eq(next.getId())))
        .isEqualTo(7);
    assertThat(history(next.getId(), device(3))).containsExactly("QUEUED");
    assertThat(history(job.getId(), device(3))).containsExactly("QUEUED");
  }

  @Test
  void targetsArePagedInIdOrderAndAGroupJobSeesOnlyItsGroup() {
    OtaJobsRecord all = job(null);
    List<String> first = records.targets(all, null, 3);
    List<String> second = records.targets(all, first.getLast(), 3);
    List<String> third = records.targets(all, second.getLast(), 3);
    assertThat(first).containsExactly(device(0), device(1), device(2));
    assertThat(second).containsExactly(device(3), device(4), device(5));
    assertThat(third).containsExactly(device(6));

    UUID group = database.group(org, product, "canary", List.of(device(1), device(4)));
    OtaJobsRecord canary = job(group);
    assertThat(records.startJob(canary)).isEqualTo(2);
    assertThat(records.targets(canary, null, 10)).containsExactly(device(1), device(4));
  }

  @Test
  void resultsOnlyMoveForwardAndTerminalResultsNeverChange() {
    OtaJobsRecord job = job(null);
    records.startJob(job);
    UUID id = job.getId();
    String d = device(0);

    assertThat(
            records.transition(id, d, DeviceUpdateState.SENT, null, null, "offer", new byte[] {1}))
        .isTrue();
    assertThat(records.transition(id, d, DeviceUpdateState.VERIFYING, 1234L, null, null, null))
        .isTrue();
    // A late or duplicated report is harmless.
    assertThat(records.transition(id, d, DeviceUpdateState.DOWNLOADING, 10L, null, null, null))
        .isFalse();
    assertThat(records.transition(id, d, DeviceUpdateState.VERIFYING, 1234L, null, null, null))
        .isFalse();
    assertThat(records.transition(id, d, DeviceUpdateState.SUCCEEDED, 1234L, null, null, null))
        .isTrue();
    assertThat(records.transition(id, d, DeviceUpdateState.FAILED, null, "X", null, null))
        .isFalse();

    assertThat(history(id, d)).containsExactly("QUEUED", "SENT", "VERIFYING", "SUCCEEDED");
    assertThat(result(id, d).getBytesSent()).isEqualTo(1234L);
    assertThat(result(id, d).getTaskToken()).isEqualTo(new byte[] {1});
  }

  @Test
  void aBatchOfReportsMovesEachResultByTheSameRulesInOneGo() {
    OtaJobsRecord job = job(null);
    records.startJob(job);
    UUID id = job.getId();
    assertThat(
            records.offered(id, device(0), "FULL", "ab".repeat(32), 1234, "offer", new byte[] {7}))
        .isTrue();
    // Offered again (a delta now): the artifact is recorded, the result does not move twice.
    assertThat(
            records.offered(id, device(0), "DELTA", "ab".repeat(32), 90, "again", new byte[] {9}))
        .isFalse();
    assertThat(result(id, device(0)).getArtifactKind()).isEqualTo("DELTA");
    assertThat(result(id, device(0)).getArtifactSizeBytes()).isEqualTo(90L);
    assertThat(result(id, device(0)).getState()).isEqualTo("SENT");
    records.transition(id, device(1), DeviceUpdateState.SENT, null, null, "offer", new byte[] {8});
    records.transition(id, device(2), DeviceUpdateState.SUCCEEDED, 1234L, null, null, null);
    records.transition(id, device(3), DeviceUpdateState.SENT, null, null, "offer", null);

    List<RolloutRecords.Moved> moved =
        records.transitionAll(
            List.of(
                // Finished with the whole 90-byte delta: its size counts as sent.
                new RolloutRecords.Reported(
                    id, device(0), DeviceUpdateState.SUCCEEDED, null, null, "ok"),
                // Failed part-way: the offset it reached counts.
                new RolloutRecords.Reported(
                    id, device(1), DeviceUpdateState.FAILED, 600L, "HASH_MISMATCH", "bad image"),
                // Terminal already: left as it is.
                new RolloutRecords.Reported(
                    id, device(2), DeviceUpdateState.FAILED, null, "LATE", "late report"),
                // Still downloading: its offset is the bytes sent so far.
                new RolloutRecords.Reported(
                    id, device(3), DeviceUpdateState.DOWNLOADING, 512L, null, null),
                // Verifying, no artifact size recorded: the full image's size stands in.
                new RolloutRecords.Reported(
                    id, device(5), DeviceUpdateState.VERIFYING, null, null, null),
                // Still QUEUED, never offered: a download report may move it forward.
                new RolloutRecords.Reported(
                    id, device(4), DeviceUpdateState.DOWNLOADING, null, null, null)));

    assertThat(moved)
        .extracting(RolloutRecords.Moved::deviceId)
        .containsExactlyInAnyOrder(device(0), device(1), device(3), device(4), device(5));
    RolloutRecords.Moved first =
        moved.stream().filter(m -> m.deviceId().equals(device(0))).findFirst().orElseThrow();
    assertThat(first.state()).isEqualTo(DeviceUpdateState.SUCCEEDED);
    assertThat(first.bytesSent()).isEqualTo(90);
    assertThat(first.taskToken()).isEqualTo(new byte[] {7});
    RolloutRecords.Moved second =
        moved.stream().filter(m -> m.deviceId().equals(device(1))).findFirst().orElseThrow();
    assertThat(second.errorCode()).isEqualTo("HASH_MISMATCH");
    assertThat(second.bytesSent()).isEqualTo(600);
    assertThat(second.taskToken()).isEqualTo(new byte[] {8});

    assertThat(result(id, device(3)).getBytesSent()).isEqualTo(512L);
    assertThat(result(id, device(4)).getBytesSent()).isZero();
    assertThat(result(id, device(5)).getBytesSent()).isEqualTo(1234L);
    assertThat(history(id, device(0))).containsExactly("QUEUED", "SENT", "SUCCEEDED");
    assertThat(history(id, device(1))).containsExactly("QUEUED", "SENT", "FAILED");
    assertThat(history(id, device(2))).containsExactly("QUEUED", "SUCCEEDED");
    assertThat(history(id, device(3))).containsExactly("QUEUED", "SENT", "DOWNLOADING");
    var failedRow =
        dsl.selectFrom(OTA_RESULT_HISTORY)
            .where(OTA_RESULT_HISTORY.JOB_ID.eq(id))
            .and(OTA_RESULT_HISTORY.DEVICE_ID.eq(device(1)))
            .and(OTA_RESULT_HISTORY.STATE.eq("FAILED"))
            .fetchOne();
    assertThat(failedRow.getErrorCode()).isEqualTo("HASH_MISMATCH");
    assertThat(failedRow.getDetail()).isEqualTo("bad image");
    assertThat(failedRow.getBytesSent()).isEqualTo(600L);
    String state2 =
        dsl.select(OTA_RESULTS.STATE)
            .from(OTA_RESULTS)
            .where(OTA_RESULTS.JOB_ID.eq(id).and(OTA_RESULTS.DEVICE_ID.eq(device(2))))
            .fetchOne(OTA_RESULTS.STATE);
    assertThat(state2).isEqualTo("SUCCEEDED");

    // The same batch again changes nothing.
    assertThat(
            records.transitionAll(
                List.of(
                    new RolloutRecords.Reported(
                        id, device(0), DeviceUpdateState.SUCCEEDED, null, null, "ok"))))
        .isEmpty();
    assertThat(history(id, device(0))).containsExactly("QUEUED", "SENT", "SUCCEEDED");
  }

  @Test
  void finishingIsFinalAndInterruptedJobsCloseTheirOpenResults() {
    OtaJobsRecord job = job(null);
    records.startJob(job);
    records.transition(job.getId(), device(0), DeviceUpdateState.SUCCEEDED, 1L, null, null, null);

    assertThat(records.unfinishedJobs()).extracting(OtaJobsRecord::getId).contains(job.getId());
    assertThat(records.endOpenResults(job.getId(), DeviceUpdateState.CANCELED, "lost"))
        .isEqualTo(6);
    records.finishJob(job.getId(), RolloutStatus.INTERRUPTED);
    records.finishJob(job.getId(), RolloutStatus.SUCCEEDED);

    assertThat(records.job(job.getId()).orElseThrow().getStatus()).isEqualTo("INTERRUPTED");
    assertThat(records.unfinishedJobs())
        .extracting(OtaJobsRecord::getId)
        .doesNotContain(job.getId());
    assertThat(history(job.getId(), device(0))).containsExactly("QUEUED", "SUCCEEDED");
    assertThat(history(job.getId(), device(1))).containsExactly("QUEUED", "CANCELED");
  }

  @Test
  void aDeviceJoiningLateGetsItsResultAndHistoryTogetherOrNeither() {
    OtaJobsRecord job = job(null);
    String joined = device(5);
    String crashing = device(6);
    // A failure between the two writes, as a crash would cause: the history insert of one device
    // raises.
    dsl.execute(
        "create or replace function fail_history() returns trigger as $$ begin if new.device_id = '"
            + crashing
            + "' then raise exception 'simulated crash'; end if; return new; end $$ language"
            + " plpgsql");
    dsl.execute(
        "create trigger fail_history before insert on ota_result_history for each row execute"
            + " function fail_history()");
    try {
      records.ensureQueued(org, job.getId(), joined, "1.0");
      assertThatThrownBy(() -> records.ensureQueued(org, job.getId(), crashing, "1.0"))
          .hasMessageContaining("simulated crash");
    } finally {
      dsl.execute("drop trigger fail_history on ota_result_history");
      dsl.execute("drop function fail_history()");
    }

    assertThat(result(job.getId(), joined).getState()).isEqualTo("QUEUED");
    assertThat(history(job.getId(), joined)).containsExactly("QUEUED");
    assertThat(result(job.getId(), crashing)).as("no result without its history").isNull();
    assertThat(history(job.getId(), crashing)).isEmpty();
    // Repeating it adds nothing.
    records.ensureQueued(org, job.getId(), joined, "1.0");
    assertThat(history(job.getId(), joined)).containsExactly("QUEUED");
  }

  @Test
  void aLateWriteForAnOlderAttemptIsRefused() {
    OtaJobsRecord job = job(null);
    records.startJob(job);
    String device = device(0);
    dsl.update(OTA_RESULTS)
        .set(OTA_RESULTS.STATE, "DOWNLOADING")
        .set(OTA_RESULTS.ATTEMPT, 2)
        .where(OTA_RESULTS.JOB_ID.eq(job.getId()))
        .and(OTA_RESULTS.DEVICE_ID.eq(device))
        .execute();
    int historyBefore = history(job.getId(), device).size();

    // The workflow's timeout of attempt 1 arrives after attempt 2 began.
    new RolloutActivitiesImpl(records, new StageRecords(dsl), new RollbackRecords(dsl))
        .recordUnreported(job.getId().toString(), device, 1, DeviceUpdateState.TIMED_OUT, "late");
    assertThat(result(job.getId(), device).getState()).isEqualTo("DOWNLOADING");
    assertThat(history(job.getId(), device)).hasSize(historyBefore);

    assertThat(
            records.transition(
                job.getId(),
                device,
                2,
                DeviceUpdateState.TIMED_OUT,
                null,
                "TIMED_OUT",
                "now",
                null))
        .isTrue();
    assertThat(result(job.getId(), device).getState()).isEqualTo("TIMED_OUT");
  }

  @Test
  void timestampsComeFromTheDatabaseClock() {
    OtaJobsRecord job = job(null);
    // Inside a transaction PostgreSQL's now() is the transaction's start; a JVM clock read after a
    // pause would be later, so equality shows which clock wrote the column.
    java.time.OffsetDateTime[] transactionStart = new java.time.OffsetDateTime[1];
    dsl.transaction(
        cfg -> {
          DSLContext tx = DSL.using(cfg);
          transactionStart[0] = tx.select(DSL.currentOffsetDateTime()).fetchOne().value1();
          Thread.sleep(1_100);
          new RolloutRecords(tx).finishJob(job.getId(), RolloutStatus.SUCCEEDED);
        });
    java.time.OffsetDateTime finished =
        dsl.select(OTA_JOBS.FINISHED_AT)
            .from(OTA_JOBS)
            .where(OTA_JOBS.ID.eq(job.getId()))
            .fetchOne()
            .value1();
    assertThat(finished.toInstant()).isEqualTo(transactionStart[0].toInstant());
  }
}
