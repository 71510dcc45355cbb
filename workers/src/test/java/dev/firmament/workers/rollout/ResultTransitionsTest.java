package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import dev.firmament.workers.RecordingGateway;
import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Device results and their history on a real PostgreSQL: every way a result's state moves. */
class ResultTransitionsTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;
  private static ResultTransitions transitions;
  private static JobTargets targets;
  private static JobRecords jobs;

  private SevenDevices fleet;
  private final RecordingGateway gateway = new RecordingGateway();

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
    transitions = new ResultTransitions(dsl);
    targets = new JobTargets(dsl, transitions);
    jobs = new JobRecords(dsl, targets, transitions);
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @BeforeEach
  void seed() {
    fleet = SevenDevices.seed(database);
  }

  private String device(int i) {
    return fleet.device(i);
  }

  private OtaJobsRecord startedJob() {
    OtaJobsRecord job = fleet.job(null);
    jobs.startJob(job);
    return job;
  }

  @Test
  void resultsOnlyMoveForwardAndTerminalResultsNeverChange() {
    UUID id = startedJob().getId();
    String d = device(0);

    assertThat(
            transitions.transition(
                id, d, DeviceUpdateState.SENT, null, null, "offer", new byte[] {1}))
        .isTrue();
    assertThat(transitions.transition(id, d, DeviceUpdateState.VERIFYING, 1234L, null, null, null))
        .isTrue();
    // A late or duplicated report is harmless.
    assertThat(transitions.transition(id, d, DeviceUpdateState.DOWNLOADING, 10L, null, null, null))
        .isFalse();
    assertThat(transitions.transition(id, d, DeviceUpdateState.VERIFYING, 1234L, null, null, null))
        .isFalse();
    assertThat(transitions.transition(id, d, DeviceUpdateState.SUCCEEDED, 1234L, null, null, null))
        .isTrue();
    assertThat(transitions.transition(id, d, DeviceUpdateState.FAILED, null, "X", null, null))
        .isFalse();

    assertThat(fleet.history(id, d)).containsExactly("QUEUED", "SENT", "VERIFYING", "SUCCEEDED");
    assertThat(fleet.result(id, d).getBytesSent()).isEqualTo(1234L);
    assertThat(fleet.result(id, d).getTaskToken()).isEqualTo(new byte[] {1});
  }

  @Test
  void aLaterStageRunTakesOverAnOpenAttemptAndFindsOneThatEndedOrWasNeverOffered() {
    UUID id = startedJob().getId();
    transitions.transition(
        id, device(0), DeviceUpdateState.SENT, null, null, "offer", new byte[] {1});
    transitions.transition(id, device(0), DeviceUpdateState.DOWNLOADING, 10L, null, null, null);

    // Open: the new activity's token replaces the first run's, and the final report returns it.
    assertThat(transitions.takeOver(id, device(0), 1, new byte[] {2}).kind())
        .isEqualTo(TakeOver.Kind.OPEN);
    List<ResultTransitions.Moved> moved =
        transitions.transitionAll(
            List.of(
                new ResultTransitions.Reported(
                    id, device(0), 1, DeviceUpdateState.SUCCEEDED, 55L, null, null)));
    assertThat(moved)
        .singleElement()
        .satisfies(m -> assertThat(m.taskToken()).isEqualTo(new byte[] {2}));

    // Ended before the take-over: its outcome answers, the stored token stays.
    TakeOver ended = transitions.takeOver(id, device(0), 1, new byte[] {3});
    assertThat(ended.kind()).isEqualTo(TakeOver.Kind.ENDED);
    assertThat(ended.ended().state()).isEqualTo(DeviceUpdateState.SUCCEEDED);
    assertThat(ended.ended().bytesSent()).isEqualTo(55L);
    assertThat(fleet.result(id, device(0)).getTaskToken()).isEqualTo(new byte[] {2});

    // Never offered: queued, no token taken.
    assertThat(transitions.takeOver(id, device(1), 1, new byte[] {4}).kind())
        .isEqualTo(TakeOver.Kind.NOT_OFFERED);
    assertThat(fleet.result(id, device(1)).getTaskToken()).isNull();
    // An earlier attempt's end is not this attempt's: the later attempt is still to be offered.
    transitions.transition(id, device(2), DeviceUpdateState.FAILED, 0L, "NET", null, null);
    assertThat(transitions.takeOver(id, device(2), 2, new byte[] {5}).kind())
        .isEqualTo(TakeOver.Kind.NOT_OFFERED);
    assertThat(transitions.takeOver(id, device(2), 1, new byte[] {5}).ended().errorCode())
        .isEqualTo("NET");
  }

  @Test
  void offlineDevicesWaitUntilOfferedOrExpiredAndTheirRolloutIsFoundByDevice() {
    UUID id = startedJob().getId();
    dsl.update(DEVICES)
        .set(DEVICES.ONLINE, false)
        .where(DEVICES.ID.in(device(0), device(1)))
        .execute();

    transitions.waiting(id, device(0));
    transitions.waiting(id, device(0));
    transitions.waiting(id, device(1));
    // Waiting once: one history row, and the result stays QUEUED.
    assertThat(fleet.history(id, device(0))).containsExactly("QUEUED", "QUEUED");
    assertThat(fleet.result(id, device(0)).getState()).isEqualTo("QUEUED");
    assertThat(fleet.result(id, device(0)).getWaitingSince()).isNotNull();
    assertThat(transitions.waitingDevices(id)).isEqualTo(2);
    assertThat(transitions.waitingFor(device(0))).containsExactly("rollout/" + id);
    // Nobody is ready while both are offline; the one that connects is.
    assertThat(transitions.listWaiting(id, 10).deviceIds()).isEmpty();
    dsl.update(DEVICES).set(DEVICES.ONLINE, true).where(DEVICES.ID.eq(device(0))).execute();
    assertThat(transitions.listWaiting(id, 10).deviceIds()).containsExactly(device(0));

    // Offered: no longer waiting.
    transitions.offered(id, device(0), "FULL", "ab".repeat(32), 1234, "offer", new byte[] {1});
    assertThat(fleet.result(id, device(0)).getWaitingSince()).isNull();
    assertThat(transitions.waitingDevices(id)).isEqualTo(1);
    assertThat(transitions.waitingFor(device(0))).isEmpty();

    // The rollout expires: the one still offline ends TIMED_OUT (OFFLINE), once.
    assertThat(transitions.expireWaiting(id)).isEqualTo(1);
    assertThat(transitions.expireWaiting(id)).isZero();
    assertThat(fleet.result(id, device(1)).getState()).isEqualTo("TIMED_OUT");
    assertThat(fleet.result(id, device(1)).getErrorCode()).isEqualTo("OFFLINE");
    assertThat(fleet.history(id, device(1))).containsExactly("QUEUED", "QUEUED", "TIMED_OUT");
    assertThat(transitions.waitingDevices(id)).isZero();
  }

  @Test
  void aDeviceDeferredForItsDataCapWaitsUntilItsDeferralIsOverOrOverridden() {
    UUID id = startedJob().getId();
    OffsetDateTime nextMonth = OffsetDateTime.now(ZoneOffset.UTC).plusDays(20);
    dsl.update(DEVICES)
        .set(DEVICES.ONLINE, true)
        .where(DEVICES.ID.in(device(0), device(1)))
        .execute();

    transitions.deferred(id, device(0), nextMonth, 3831, "deferred: over the cap");
    transitions.deferred(id, device(0), nextMonth, 3831, "deferred: over the cap");
    transitions.deferred(id, device(1), nextMonth, 3831, "deferred: over the cap");
    // Deferred once per period: one history row; the result waits QUEUED with the reason and the
    // artifact it was planned.
    assertThat(fleet.history(id, device(0))).containsExactly("QUEUED", "QUEUED");
    var deferred = fleet.result(id, device(0));
    assertThat(deferred.getState()).isEqualTo("QUEUED");
    assertThat(deferred.getErrorCode()).isEqualTo("DATA_CAP");
    assertThat(deferred.getErrorMessage()).isEqualTo("deferred: over the cap");
    assertThat(deferred.getWaitingSince()).isNotNull();
    assertThat(deferred.getArtifactSizeBytes()).isEqualTo(3831);
    assertThat(transitions.waitingDevices(id)).isEqualTo(2);
    // Online, yet not offered while deferred.
    assertThat(transitions.listWaiting(id, 10).deviceIds()).isEmpty();

    // An operator's override releases it; a deferral that is over does too.
    dsl.update(OTA_RESULTS)
        .set(OTA_RESULTS.DATA_OVERRIDE, true)
        .where(OTA_RESULTS.JOB_ID.eq(id).and(OTA_RESULTS.DEVICE_ID.eq(device(0))))
        .execute();
    assertThat(transitions.listWaiting(id, 10).deviceIds()).containsExactly(device(0));
    dsl.update(OTA_RESULTS)
        .set(OTA_RESULTS.DEFERRED_UNTIL, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1))
        .where(OTA_RESULTS.JOB_ID.eq(id).and(OTA_RESULTS.DEVICE_ID.eq(device(1))))
        .execute();
    assertThat(transitions.listWaiting(id, 10).deviceIds())
        .containsExactlyInAnyOrder(device(0), device(1));
  }

  @Test
  void atTheExpiryAStillDeferredDeviceEndsDataCapAndAReleasedOfflineOneOffline() {
    UUID id = startedJob().getId();
    OffsetDateTime nextMonth = OffsetDateTime.now(ZoneOffset.UTC).plusDays(20);
    transitions.deferred(id, device(0), nextMonth, 100, "deferred: over the cap");
    transitions.deferred(id, device(1), nextMonth, 100, "deferred: over the cap");
    dsl.update(OTA_RESULTS)
        .set(OTA_RESULTS.DATA_OVERRIDE, true)
        .where(OTA_RESULTS.JOB_ID.eq(id).and(OTA_RESULTS.DEVICE_ID.eq(device(1))))
        .execute();
    transitions.waiting(id, device(2));

    assertThat(transitions.expireWaiting(id)).isEqualTo(3);
    assertThat(fleet.result(id, device(0)).getState()).isEqualTo("TIMED_OUT");
    assertThat(fleet.result(id, device(0)).getErrorCode()).isEqualTo("DATA_CAP");
    assertThat(fleet.result(id, device(0)).getErrorMessage())
        .isEqualTo("deferred for its SIM's data cap until the rollout expired");
    assertThat(fleet.result(id, device(1)).getErrorCode()).isEqualTo("OFFLINE");
    assertThat(fleet.result(id, device(2)).getErrorCode()).isEqualTo("OFFLINE");
    assertThat(fleet.result(id, device(2)).getErrorMessage())
        .isEqualTo("offline until the rollout expired");
  }

  @Test
  void aBatchOfReportsMovesEachResultByTheSameRulesInOneGo() {
    UUID id = startedJob().getId();
    assertThat(
            transitions.offered(
                id, device(0), "FULL", "ab".repeat(32), 1234, "offer", new byte[] {7}))
        .isTrue();
    // Offered again (a delta now): the artifact is recorded, the result does not move twice.
    assertThat(
            transitions.offered(
                id, device(0), "DELTA", "ab".repeat(32), 90, "again", new byte[] {9}))
        .isFalse();
    assertThat(fleet.result(id, device(0)).getArtifactKind()).isEqualTo("DELTA");
    assertThat(fleet.result(id, device(0)).getArtifactSizeBytes()).isEqualTo(90L);
    assertThat(fleet.result(id, device(0)).getState()).isEqualTo("SENT");
    transitions.transition(
        id, device(1), DeviceUpdateState.SENT, null, null, "offer", new byte[] {8});
    transitions.transition(id, device(2), DeviceUpdateState.SUCCEEDED, 1234L, null, null, null);
    transitions.transition(id, device(3), DeviceUpdateState.SENT, null, null, "offer", null);

    List<ResultTransitions.Moved> moved =
        transitions.transitionAll(
            List.of(
                // Finished with the whole 90-byte delta: its size counts as sent.
                new ResultTransitions.Reported(
                    id, device(0), DeviceUpdateState.SUCCEEDED, null, null, "ok"),
                // Failed part-way: the offset it reached counts.
                new ResultTransitions.Reported(
                    id, device(1), DeviceUpdateState.FAILED, 600L, "HASH_MISMATCH", "bad image"),
                // Terminal already: left as it is.
                new ResultTransitions.Reported(
                    id, device(2), DeviceUpdateState.FAILED, null, "LATE", "late report"),
                // Still downloading: its offset is the bytes sent so far.
                new ResultTransitions.Reported(
                    id, device(3), DeviceUpdateState.DOWNLOADING, 512L, null, null),
                // Verifying, no artifact size recorded: the full image's size stands in.
                new ResultTransitions.Reported(
                    id, device(5), DeviceUpdateState.VERIFYING, null, null, null),
                // Still QUEUED, never offered: a download report may move it forward.
                new ResultTransitions.Reported(
                    id, device(4), DeviceUpdateState.DOWNLOADING, null, null, null)));

    assertThat(moved)
        .extracting(ResultTransitions.Moved::deviceId)
        .containsExactlyInAnyOrder(device(0), device(1), device(3), device(4), device(5));
    ResultTransitions.Moved first =
        moved.stream().filter(m -> m.deviceId().equals(device(0))).findFirst().orElseThrow();
    assertThat(first.state()).isEqualTo(DeviceUpdateState.SUCCEEDED);
    assertThat(first.bytesSent()).isEqualTo(90);
    assertThat(first.taskToken()).isEqualTo(new byte[] {7});
    ResultTransitions.Moved second =
        moved.stream().filter(m -> m.deviceId().equals(device(1))).findFirst().orElseThrow();
    assertThat(second.errorCode()).isEqualTo("HASH_MISMATCH");
    assertThat(second.bytesSent()).isEqualTo(600);
    assertThat(second.taskToken()).isEqualTo(new byte[] {8});

    assertThat(fleet.result(id, device(3)).getBytesSent()).isEqualTo(512L);
    assertThat(fleet.result(id, device(4)).getBytesSent()).isZero();
    assertThat(fleet.result(id, device(5)).getBytesSent()).isEqualTo(1234L);
    assertThat(fleet.history(id, device(0))).containsExactly("QUEUED", "SENT", "SUCCEEDED");
    assertThat(fleet.history(id, device(1))).containsExactly("QUEUED", "SENT", "FAILED");
    assertThat(fleet.history(id, device(2))).containsExactly("QUEUED", "SUCCEEDED");
    assertThat(fleet.history(id, device(3))).containsExactly("QUEUED", "SENT", "DOWNLOADING");
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
            transitions.transitionAll(
                List.of(
                    new ResultTransitions.Reported(
                        id, device(0), DeviceUpdateState.SUCCEEDED, null, null, "ok"))))
        .isEmpty();
    assertThat(fleet.history(id, device(0))).containsExactly("QUEUED", "SENT", "SUCCEEDED");
  }

  @Test
  void aDeviceJoiningLateGetsItsResultAndHistoryTogetherOrNeither() {
    OtaJobsRecord job = fleet.job(null);
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
      transitions.ensureQueued(fleet.org, job.getId(), joined, "1.0");
      assertThatThrownBy(() -> transitions.ensureQueued(fleet.org, job.getId(), crashing, "1.0"))
          .hasMessageContaining("simulated crash");
    } finally {
      dsl.execute("drop trigger fail_history on ota_result_history");
      dsl.execute("drop function fail_history()");
    }

    assertThat(fleet.result(job.getId(), joined).getState()).isEqualTo("QUEUED");
    assertThat(fleet.history(job.getId(), joined)).containsExactly("QUEUED");
    assertThat(fleet.result(job.getId(), crashing)).as("no result without its history").isNull();
    assertThat(fleet.history(job.getId(), crashing)).isEmpty();
    // Repeating it adds nothing.
    transitions.ensureQueued(fleet.org, job.getId(), joined, "1.0");
    assertThat(fleet.history(job.getId(), joined)).containsExactly("QUEUED");
  }

  @Test
  void aDeviceReportForAnEarlierAttemptMovesNothing() {
    OtaJobsRecord job = startedJob();
    String device = device(1);
    dsl.update(OTA_RESULTS)
        .set(OTA_RESULTS.STATE, "SENT")
        .set(OTA_RESULTS.ATTEMPT, 2)
        .where(OTA_RESULTS.JOB_ID.eq(job.getId()))
        .and(OTA_RESULTS.DEVICE_ID.eq(device))
        .execute();

    // The device's last word on attempt 1 arrives after attempt 2 was offered.
    var late =
        transitions.transitionAll(
            List.of(
                new ResultTransitions.Reported(
                    job.getId(), device, 1, DeviceUpdateState.FAILED, 0L, "HASH_MISMATCH", "old")));
    assertThat(late).isEmpty();
    assertThat(fleet.result(job.getId(), device).getState()).isEqualTo("SENT");

    var current =
        transitions.transitionAll(
            List.of(
                new ResultTransitions.Reported(
                    job.getId(), device, 2, DeviceUpdateState.DOWNLOADING, 100L, null, null)));
    assertThat(current)
        .singleElement()
        .extracting(ResultTransitions.Moved::state)
        .isEqualTo(DeviceUpdateState.DOWNLOADING);
  }

  @Test
  void settlingAnUnreportedEndReturnsWhatTheResultHolds() {
    OtaJobsRecord job = startedJob();
    String id = job.getId().toString();
    RolloutActivitiesImpl activities =
        new RolloutActivitiesImpl(
            jobs,
            transitions,
            new StageRecords(dsl, targets, transitions),
            new RollbackRecords(dsl, transitions),
            new OfferCancellations(gateway));
    transitions.transition(job.getId(), device(0), DeviceUpdateState.SENT, 0L, null, null, null);
    transitions.transition(job.getId(), device(1), DeviceUpdateState.SENT, 0L, null, null, null);
    transitions.transition(
        job.getId(), device(1), DeviceUpdateState.SUCCEEDED, 77L, null, null, null);

    // Still open: the timeout is written and answered, with no device error code.
    var written =
        activities.settleUnreported(id, device(0), 1, DeviceUpdateState.TIMED_OUT, "late", false);
    assertThat(written.state()).isEqualTo(DeviceUpdateState.TIMED_OUT);
    assertThat(written.errorCode()).isNull();
    assertThat(fleet.result(job.getId(), device(0)).getState()).isEqualTo("TIMED_OUT");
    // Its offer is withdrawn at the device, so that a device that returns does not install it.
    assertThat(gateway.canceled)
        .containsExactly(device(0) + " rollout/" + id + "/device/" + device(0));
    // The device's report came first: it stays, and it is what the workflow is told.
    int historyBefore = fleet.history(job.getId(), device(1)).size();
    var reported =
        activities.settleUnreported(id, device(1), 1, DeviceUpdateState.TIMED_OUT, "late", false);
    assertThat(reported.state()).isEqualTo(DeviceUpdateState.SUCCEEDED);
    assertThat(reported.bytesSent()).isEqualTo(77L);
    assertThat(fleet.result(job.getId(), device(1)).getState()).isEqualTo("SUCCEEDED");
    assertThat(fleet.history(job.getId(), device(1))).hasSize(historyBefore);
    assertThat(gateway.canceled).hasSize(1);
  }

  @Test
  void aLateWriteForAnOlderAttemptIsRefused() {
    OtaJobsRecord job = startedJob();
    String device = device(0);
    dsl.update(OTA_RESULTS)
        .set(OTA_RESULTS.STATE, "DOWNLOADING")
        .set(OTA_RESULTS.ATTEMPT, 2)
        .where(OTA_RESULTS.JOB_ID.eq(job.getId()))
        .and(OTA_RESULTS.DEVICE_ID.eq(device))
        .execute();
    int historyBefore = fleet.history(job.getId(), device).size();

    // The workflow's timeout of attempt 1 arrives after attempt 2 began.
    new RolloutActivitiesImpl(
            jobs,
            transitions,
            new StageRecords(dsl, targets, transitions),
            new RollbackRecords(dsl, transitions),
            new OfferCancellations(gateway))
        .recordUnreported(job.getId().toString(), device, 1, DeviceUpdateState.TIMED_OUT, "late");
    assertThat(fleet.result(job.getId(), device).getState()).isEqualTo("DOWNLOADING");
    assertThat(fleet.history(job.getId(), device)).hasSize(historyBefore);

    assertThat(
            transitions.transition(
                job.getId(),
                device,
                2,
                DeviceUpdateState.TIMED_OUT,
                null,
                "TIMED_OUT",
                "now",
                null))
        .isTrue();
    assertThat(fleet.result(job.getId(), device).getState()).isEqualTo("TIMED_OUT");
  }

  @Test
  void aRetryReopensAFailedResultOncePerAttempt() {
    UUID id = startedJob().getId();
    transitions.transition(id, device(0), DeviceUpdateState.FAILED, 0L, "NET", null, null);

    assertThat(transitions.reopenForAttempt(id, device(0), 2)).isTrue();
    assertThat(transitions.reopenForAttempt(id, device(0), 2)).isFalse();
    assertThat(
            transitions.transition(
                id, device(0), DeviceUpdateState.SUCCEEDED, 5L, null, null, null))
        .isTrue();
    assertThat(fleet.history(id, device(0)))
        .containsExactly("QUEUED", "FAILED", "QUEUED", "SUCCEEDED");
    assertThat(fleet.result(id, device(0)).getAttempt()).isEqualTo(2);
  }
}
