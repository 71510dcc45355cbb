package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.CHANGE_EVENTS;
import static dev.firmament.sql.generated.Tables.EVENTS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static dev.firmament.sql.generated.Tables.OTA_ROLLBACK_RESULTS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.orchestrator.rollout.BreachAction;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.GateBreach;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import dev.firmament.orchestrator.rollout.StageKind;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import dev.firmament.workers.RecordingGateway;
import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job's start, statuses and end on a real PostgreSQL, migrated by the project's own scripts. */
class JobRecordsTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;
  private static ResultTransitions transitions;
  private static JobRecords jobs;

  private SevenDevices fleet;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
    transitions = new ResultTransitions(dsl);
    jobs = new JobRecords(dsl, new JobTargets(dsl, transitions), transitions);
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @BeforeEach
  void seed() {
    fleet = SevenDevices.seed(database);
  }

  @Test
  void startingAJobQueuesEveryTargetOnceEvenWhenRepeated() {
    OtaJobsRecord job = fleet.job(null);

    assertThat(jobs.startJob(job)).isEqualTo(7);
    assertThat(jobs.startJob(job)).isEqualTo(7);

    assertThat(dsl.fetchCount(OTA_RESULTS, OTA_RESULTS.JOB_ID.eq(job.getId()))).isEqualTo(7);
    assertThat(dsl.fetchCount(OTA_RESULT_HISTORY, OTA_RESULT_HISTORY.JOB_ID.eq(job.getId())))
        .isEqualTo(7);
    assertThat(jobs.job(job.getId()).orElseThrow().getStatus()).isEqualTo("RUNNING");
    assertThat(fleet.history(job.getId(), fleet.device(3))).containsExactly("QUEUED");

    // A later job on the same devices queues its own results and history, once.
    OtaJobsRecord next = fleet.job(null);
    assertThat(jobs.startJob(next)).isEqualTo(7);
    assertThat(jobs.startJob(next)).isEqualTo(7);
    assertThat(dsl.fetchCount(OTA_RESULT_HISTORY, OTA_RESULT_HISTORY.JOB_ID.eq(next.getId())))
        .isEqualTo(7);
    assertThat(fleet.history(next.getId(), fleet.device(3))).containsExactly("QUEUED");
    assertThat(fleet.history(job.getId(), fleet.device(3))).containsExactly("QUEUED");
  }

  @Test
  void aGateBreachIsPublishedAsTheJobsOrganizationsCloudEventInTheChangeFeed() throws Exception {
    OtaJobsRecord job = fleet.job(null);
    String detail = "x".repeat(2_000);

    jobs.publishGateBreach(
        new GateBreach(
            job.getId().toString(),
            1,
            "wave",
            StageKind.UPDATE,
            "FAILURE_RATE",
            BreachAction.ROLLBACK,
            detail));

    var event =
        dsl.selectFrom(EVENTS)
            .where(EVENTS.NAME.eq(JobRecords.GATE_EVENT))
            .and(EVENTS.DATA.contains(job.getId().toString()))
            .fetchSingle();
    assertThat(event.getOrganizationId()).isEqualTo(job.getOrganizationId());
    assertThat(event.getProductId()).isEqualTo(job.getProductId());
    assertThat(event.getDeviceId()).isNull();
    assertThat(event.getSource()).isEqualTo("cloud");
    assertThat(event.getScope()).isEqualTo("private");
    JsonNode data = new ObjectMapper().readTree(event.getData());
    assertThat(data.get("jobId").asText()).isEqualTo(job.getId().toString());
    assertThat(data.get("stage").asInt()).isEqualTo(1);
    assertThat(data.get("stageName").asText()).isEqualTo("wave");
    assertThat(data.get("kind").asText()).isEqualTo("UPDATE");
    assertThat(data.get("gate").asText()).isEqualTo("FAILURE_RATE");
    assertThat(data.get("action").asText()).isEqualTo("ROLLBACK");
    // A long detail is cut so that the event fits its column.
    assertThat(data.get("detail").asText()).hasSize(500);
    // The event reaches the change feed in the same transaction: streams and webhooks hear it.
    assertThat(
            dsl.fetchCount(
                CHANGE_EVENTS,
                CHANGE_EVENTS
                    .EVENT_ID
                    .eq(event.getId())
                    .and(CHANGE_EVENTS.EVENT_NAME.eq(JobRecords.GATE_EVENT))))
        .isEqualTo(1);
  }

  @Test
  void aStatusRecordedWhileRunningNeverRewritesAFinalOne() {
    OtaJobsRecord job = fleet.job(null);
    jobs.startJob(job);

    jobs.recordStatus(job.getId(), RolloutStatus.PAUSED);
    assertThat(jobs.job(job.getId()).orElseThrow().getStatus()).isEqualTo("PAUSED");
    jobs.finishJob(job.getId(), RolloutStatus.CANCELED);
    jobs.recordStatus(job.getId(), RolloutStatus.RUNNING);

    assertThat(jobs.job(job.getId()).orElseThrow().getStatus()).isEqualTo("CANCELED");
  }

  @Test
  void finishingIsFinalAndInterruptedJobsCloseTheirOpenResults() {
    OtaJobsRecord job = fleet.job(null);
    jobs.startJob(job);
    transitions.transition(
        job.getId(), fleet.device(0), DeviceUpdateState.SUCCEEDED, 1L, null, null, null);

    assertThat(jobs.unfinishedJobs()).extracting(OtaJobsRecord::getId).contains(job.getId());
    assertThat(transitions.endOpenResults(job.getId(), DeviceUpdateState.CANCELED, "lost"))
        .isEqualTo(6);
    jobs.finishJob(job.getId(), RolloutStatus.INTERRUPTED);
    jobs.finishJob(job.getId(), RolloutStatus.SUCCEEDED);

    assertThat(jobs.job(job.getId()).orElseThrow().getStatus()).isEqualTo("INTERRUPTED");
    assertThat(jobs.unfinishedJobs()).extracting(OtaJobsRecord::getId).doesNotContain(job.getId());
    assertThat(fleet.history(job.getId(), fleet.device(0))).containsExactly("QUEUED", "SUCCEEDED");
    assertThat(fleet.history(job.getId(), fleet.device(1))).containsExactly("QUEUED", "CANCELED");
  }

  @Test
  void aStopRecordsItsReasonAndCancelsTheOpenResults() {
    OtaJobsRecord job = fleet.job(null);
    jobs.startJob(job);
    transitions.transition(
        job.getId(), fleet.device(0), DeviceUpdateState.SUCCEEDED, 10L, null, null, null);
    transitions.transition(
        job.getId(), fleet.device(2), DeviceUpdateState.SENT, 0L, null, "offer", null);
    RecordingGateway gateway = new RecordingGateway();
    RolloutActivitiesImpl activities =
        new RolloutActivitiesImpl(
            jobs,
            transitions,
            new StageRecords(dsl, new JobTargets(dsl, transitions), transitions),
            new RollbackRecords(dsl, transitions),
            new OfferCancellations(gateway));

    activities.recordStop(job.getId().toString(), "refused: " + "x".repeat(2000));

    String detail = dsl.fetchValue(OTA_JOBS.STATUS_DETAIL, OTA_JOBS.ID.eq(job.getId()));
    assertThat(detail).startsWith("refused: ").hasSize(1000);
    assertThat(fleet.result(job.getId(), fleet.device(0)).getState()).isEqualTo("SUCCEEDED");
    assertThat(fleet.result(job.getId(), fleet.device(1)).getState()).isEqualTo("CANCELED");
    assertThat(fleet.history(job.getId(), fleet.device(1))).endsWith("CANCELED");
    // Only the offer that was out at a device is withdrawn there.
    assertThat(gateway.canceled)
        .containsExactly(
            fleet.device(2) + " rollout/" + job.getId() + "/device/" + fleet.device(2));
    assertThat(fleet.result(job.getId(), fleet.device(2)).getState()).isEqualTo("CANCELED");
  }

  @Test
  void aStoppedRollbackEndsWhatItHadNotEndedAndWithdrawsItsOffers() {
    OtaJobsRecord job = fleet.job(null);
    jobs.startJob(job);
    // Device 0 was rolled back, device 1's rollback is out at the device, device 2's is queued.
    rollback(job, fleet.device(0), "SUCCEEDED");
    rollback(job, fleet.device(1), "DOWNLOADING");
    rollback(job, fleet.device(2), "QUEUED");
    RecordingGateway gateway = new RecordingGateway();
    RolloutActivitiesImpl activities =
        new RolloutActivitiesImpl(
            jobs,
            transitions,
            new StageRecords(dsl, new JobTargets(dsl, transitions), transitions),
            new RollbackRecords(dsl, transitions),
            new OfferCancellations(gateway));

    activities.recordStop(job.getId().toString(), "rollback stage 1 aborted; rollback stopped");

    assertThat(rollbackState(job, fleet.device(0))).isEqualTo("SUCCEEDED");
    assertThat(rollbackState(job, fleet.device(1))).isEqualTo("CANCELED");
    assertThat(rollbackState(job, fleet.device(2))).isEqualTo("CANCELED");
    // Only the rollback out at a device is withdrawn there, by its rollback update id.
    assertThat(gateway.canceled)
        .containsExactly(
            fleet.device(1) + " rollout/" + job.getId() + "/rollback/" + fleet.device(1));
  }

  private void rollback(OtaJobsRecord job, String device, String state) {
    dsl.insertInto(OTA_ROLLBACK_RESULTS)
        .set(OTA_ROLLBACK_RESULTS.ORGANIZATION_ID, job.getOrganizationId())
        .set(OTA_ROLLBACK_RESULTS.JOB_ID, job.getId())
        .set(OTA_ROLLBACK_RESULTS.DEVICE_ID, device)
        .set(OTA_ROLLBACK_RESULTS.TO_VERSION, "1.0")
        .set(OTA_ROLLBACK_RESULTS.STATE, state)
        .set(OTA_ROLLBACK_RESULTS.STAGE_POSITION, 1L)
        .execute();
  }

  private String rollbackState(OtaJobsRecord job, String device) {
    return dsl.fetchValue(
        OTA_ROLLBACK_RESULTS.STATE,
        OTA_ROLLBACK_RESULTS.JOB_ID.eq(job.getId()).and(OTA_ROLLBACK_RESULTS.DEVICE_ID.eq(device)));
  }

  @Test
  void aRolloutWaitsOnlyForOlderUnfinishedRolloutsOfItsDevices() {
    OtaJobsRecord older = fleet.job(null);
    OtaJobsRecord newer = fleet.job(null);

    assertThat(jobs.olderRolloutsSharingDevices(newer)).isEqualTo(1);
    assertThat(jobs.olderRolloutsSharingDevices(older)).as("never waits for a newer one").isZero();

    jobs.finishJob(older.getId(), RolloutStatus.SUCCEEDED);
    assertThat(jobs.olderRolloutsSharingDevices(newer)).isZero();
  }

  @Test
  void timestampsComeFromTheDatabaseClock() {
    OtaJobsRecord job = fleet.job(null);
    // Inside a transaction PostgreSQL's now() is the transaction's start; a JVM clock read after a
    // pause would be later, so equality shows which clock wrote the column. The pause is the point
    // of the test, not a wait for something to happen.
    OffsetDateTime[] transactionStart = new OffsetDateTime[1];
    dsl.transaction(
        cfg -> {
          DSLContext tx = DSL.using(cfg);
          transactionStart[0] = tx.select(DSL.currentOffsetDateTime()).fetchOne().value1();
          Thread.sleep(1_100);
          ResultTransitions txTransitions = new ResultTransitions(tx);
          new JobRecords(tx, new JobTargets(tx, txTransitions), txTransitions)
              .finishJob(job.getId(), RolloutStatus.SUCCEEDED);
        });
    OffsetDateTime finished =
        dsl.select(OTA_JOBS.FINISHED_AT)
            .from(OTA_JOBS)
            .where(OTA_JOBS.ID.eq(job.getId()))
            .fetchOne()
            .value1();
    assertThat(finished.toInstant()).isEqualTo(transactionStart[0].toInstant());
  }
}
