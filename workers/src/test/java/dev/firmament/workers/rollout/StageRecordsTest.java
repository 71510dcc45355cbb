package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static dev.firmament.sql.generated.Tables.OTA_STAGES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.StageCounters;
import dev.firmament.orchestrator.rollout.StageKind;
import dev.firmament.orchestrator.rollout.StagePage;
import dev.firmament.orchestrator.rollout.StageSelection;
import dev.firmament.orchestrator.rollout.StageStatus;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import dev.firmament.workers.TestDatabase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stage assignment, paging, requeue, health and rollback rows on a real PostgreSQL. */
class StageRecordsTest {
  private static final int FLEET = 20;

  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;
  private static JobRecords jobs;
  private static ResultTransitions transitions;
  private static StageRecords stages;
  private static RollbackRecords rollbacks;

  private UUID org;
  private UUID product;
  private UUID firmware;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
    transitions = new ResultTransitions(dsl);
    JobTargets targets = new JobTargets(dsl, transitions);
    jobs = new JobRecords(dsl, targets, transitions);
    stages = new StageRecords(dsl, targets, transitions);
    rollbacks = new RollbackRecords(dsl, transitions);
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
    for (int i = 0; i < FLEET; i++) {
      addDevice(i);
    }
    firmware = database.firmware(org, product, "2.0", 1234L);
    database.group(org, product, "canary", List.of(device(3), device(17)));
  }

  private void addDevice(int i) {
    dsl.insertInto(DEVICES)
        .set(DEVICES.ID, device(i))
        .set(DEVICES.ORGANIZATION_ID, org)
        .set(DEVICES.PRODUCT_ID, product)
        .set(DEVICES.NAME, "d" + i)
        .set(DEVICES.FIRMWARE_VERSION, "1.0")
        .set(DEVICES.ONLINE, true)
        .execute();
  }

  private String device(int i) {
    return "dev-" + org.toString().substring(0, 8) + "-" + i;
  }

  private OtaJobsRecord job() {
    UUID id = database.job(org, product, firmware, "2.0", 2);
    OtaJobsRecord job = jobs.job(id).orElseThrow();
    jobs.startJob(job);
    return job;
  }

  private List<String> all(UUID jobId, int index, int pageSize) {
    List<String> ids = new ArrayList<>();
    long cursor = 0;
    while (true) {
      StagePage page = stages.list(jobId, index, cursor, pageSize);
      if (page.deviceIds().isEmpty()) {
        return ids;
      }
      ids.addAll(page.deviceIds());
      cursor = page.lastPosition();
    }
  }

  @Test
  void stagesTakeTheCanaryGroupThenShareOfTheRestOnceAndTheSameDevicesForTheSamePlan() {
    OtaJobsRecord job = job();
    UUID id = job.getId();

    assertThat(stages.assign(job, 0, "canary", StageKind.UPDATE, StageSelection.group("canary")))
        .isEqualTo(2);
    assertThat(stages.assign(job, 1, "half", StageKind.UPDATE, StageSelection.percent(50)))
        .isEqualTo(9);
    // Assigning a stage again returns what it took the first time.
    assertThat(stages.assign(job, 1, "half", StageKind.UPDATE, StageSelection.percent(50)))
        .isEqualTo(9);
    assertThat(stages.assign(job, 2, "rest", StageKind.UPDATE, StageSelection.percent(100)))
        .isEqualTo(9);

    assertThat(all(id, 0, 10)).containsExactlyInAnyOrder(device(3), device(17));
    List<String> half = all(id, 1, 4);
    assertThat(half).hasSize(9).doesNotHaveDuplicates();
    assertThat(all(id, 2, 4)).hasSize(9).doesNotContainAnyElementsOf(half);

    OtaJobsRecord again = job();
    stages.assign(again, 0, "canary", StageKind.UPDATE, StageSelection.group("canary"));
    stages.assign(again, 1, "half", StageKind.UPDATE, StageSelection.percent(50));
    assertThat(all(again.getId(), 1, 100)).isEqualTo(half);
    assertThat(dsl.fetchOne(OTA_STAGES, OTA_STAGES.JOB_ID.eq(id).and(OTA_STAGES.STAGE_INDEX.eq(1))))
        .satisfies(row -> assertThat(row.getStatus()).isEqualTo("PENDING"));
  }

  /**
   * The order the orchestrator's workflow tests expect from their fake fleet (RolloutWorkflowTest's
   * canary test): of dev-000 to dev-019 without the canary, a 50% stage takes the first nine by md5
   * of the id, in that order.
   */
  @Test
  void aShareOfTheRestIsTakenInTheMd5OrderOfTheDeviceIds() {
    UUID[] tenant = database.organizationWithProduct();
    for (int i = 0; i < 20; i++) {
      dsl.insertInto(DEVICES)
          .set(DEVICES.ID, String.format("dev-%03d", i))
          .set(DEVICES.ORGANIZATION_ID, tenant[0])
          .set(DEVICES.PRODUCT_ID, tenant[1])
          .set(DEVICES.NAME, "fixed " + i)
          .set(DEVICES.FIRMWARE_VERSION, "1.0")
          .set(DEVICES.ONLINE, true)
          .execute();
    }
    UUID build = database.firmware(tenant[0], tenant[1], "2.0", 1234L);
    database.group(tenant[0], tenant[1], "canary", List.of("dev-005", "dev-011"));
    OtaJobsRecord job = jobs.job(database.job(tenant[0], tenant[1], build, "2.0", 2)).orElseThrow();
    jobs.startJob(job);

    stages.assign(job, 0, "canary", StageKind.UPDATE, StageSelection.group("canary"));
    stages.assign(job, 1, "half", StageKind.UPDATE, StageSelection.percent(50));

    assertThat(all(job.getId(), 1, 100))
        .containsExactly(
            "dev-013", "dev-015", "dev-007", "dev-014", "dev-009", "dev-000", "dev-002", "dev-012",
            "dev-004");
  }

  @Test
  void joinersAreQueuedAndAddedAfterTheStagesDevices() {
    OtaJobsRecord job = job();
    stages.assign(job, 0, "all", StageKind.UPDATE, StageSelection.percent(100));
    StagePage first = stages.list(job.getId(), 0, 0, 100);
    addDevice(FLEET);
    addDevice(FLEET + 1);

    assertThat(stages.assignJoiners(job, 0)).isEqualTo(2);
    assertThat(stages.assignJoiners(job, 0)).isZero();

    StagePage joiners = stages.list(job.getId(), 0, first.lastPosition(), 100);
    assertThat(joiners.deviceIds()).containsExactlyInAnyOrder(device(FLEET), device(FLEET + 1));
  }

  @Test
  void aRetryInALaterStageTakesTheFailuresOfEarlierStagesAndTheirCountsFollow() {
    OtaJobsRecord job = job();
    UUID id = job.getId();
    stages.assign(job, 0, "first", StageKind.UPDATE, StageSelection.count(2));
    stages.assign(job, 1, "rest", StageKind.UPDATE, StageSelection.percent(100));
    List<String> first = stages.list(id, 0, 0, 100).deviceIds();
    StagePage rest = stages.list(id, 1, 0, 100);
    transitions.transition(id, first.get(0), DeviceUpdateState.FAILED, 0L, "X", null, null);
    transitions.transition(id, first.get(1), DeviceUpdateState.SUCCEEDED, 0L, null, null, null);
    transitions.transition(
        id, rest.deviceIds().get(0), DeviceUpdateState.REJECTED, 0L, "Y", null, null);
    stages.record(id, 0, StageStatus.SUCCEEDED, stages.storedCounters(id, 0));

    StageCounters counts = stages.requeueFailed(id, 1);

    // Both failures now belong to the second stage, after its current devices.
    assertThat(counts.assigned()).isEqualTo(FLEET - 1);
    assertThat(counts.rejected()).isZero();
    assertThat(stages.list(id, 1, rest.lastPosition(), 100).deviceIds())
        .containsExactly(first.get(0), rest.deviceIds().get(0));
    StageCounters earlier = stages.storedCounters(id, 0);
    assertThat(earlier.assigned()).isEqualTo(1);
    assertThat(earlier.failed()).isZero();
    assertThat(earlier.succeeded()).isEqualTo(1);
    var row =
        dsl.selectFrom(OTA_STAGES)
            .where(OTA_STAGES.JOB_ID.eq(id).and(OTA_STAGES.STAGE_INDEX.eq(0)))
            .fetchOne();
    assertThat(row.getStatus()).isEqualTo("SUCCEEDED");
    assertThat(row.getFailed()).isZero();
    assertThat(row.getAssigned()).isEqualTo(1);
  }

  @Test
  void requeuedFailuresGetANewAttemptAtTheEndAndTheStoredCountsFollow() {
    OtaJobsRecord job = job();
    UUID id = job.getId();
    stages.assign(job, 0, "all", StageKind.UPDATE, StageSelection.percent(100));
    StagePage everything = stages.list(id, 0, 0, 100);
    List<String> ids = everything.deviceIds();
    transitions.transition(id, ids.get(0), DeviceUpdateState.FAILED, 0L, "X", null, null);
    transitions.transition(id, ids.get(1), DeviceUpdateState.TIMED_OUT, 0L, null, null, null);
    transitions.transition(id, ids.get(2), DeviceUpdateState.SUCCEEDED, 0L, null, null, null);

    StageCounters counts = stages.requeueFailed(id, 0);

    assertThat(counts.failed()).isZero();
    assertThat(counts.timedOut()).isZero();
    assertThat(counts.succeeded()).isEqualTo(1);
    assertThat(counts.assigned()).isEqualTo(FLEET);
    assertThat(everything.attemptOf(0)).isEqualTo(1);
    StagePage requeued = stages.list(id, 0, everything.lastPosition(), 100);
    assertThat(requeued.deviceIds()).containsExactly(ids.get(0), ids.get(1));
    // They go on from their stored attempt, so the retry policy's next one reopens them.
    assertThat(requeued.attempts()).containsExactly(2, 2);
    assertThat(stages.requeueFailed(id, 0).failed()).isZero();
    assertThat(
            dsl.fetchCount(
                OTA_RESULT_HISTORY,
                OTA_RESULT_HISTORY
                    .JOB_ID
                    .eq(id)
                    .and(OTA_RESULT_HISTORY.DEVICE_ID.eq(ids.get(0)))
                    .and(OTA_RESULT_HISTORY.DETAIL.eq("requeued by operator"))))
        .isEqualTo(1);
  }

  @Test
  void succeededDevicesThatWentOfflineOrChangedVersionAreUnhealthy() {
    OtaJobsRecord job = job();
    UUID id = job.getId();
    stages.assign(job, 0, "all", StageKind.UPDATE, StageSelection.percent(100));
    for (int i = 0; i < 4; i++) {
      transitions.transition(id, device(i), DeviceUpdateState.SUCCEEDED, 0L, null, null, null);
      dsl.update(DEVICES)
          .set(DEVICES.FIRMWARE_VERSION, "2.0")
          .where(DEVICES.ID.eq(device(i)))
          .execute();
    }
    dsl.update(DEVICES).set(DEVICES.ONLINE, false).where(DEVICES.ID.eq(device(0))).execute();
    dsl.update(DEVICES)
        .set(DEVICES.FIRMWARE_VERSION, "1.0")
        .where(DEVICES.ID.eq(device(1)))
        .execute();

    assertThat(stages.unhealthy(id, 0)).isEqualTo(2);
  }

  @Test
  void stageStatusAndCountersAreUpsertedUntilFinal() {
    OtaJobsRecord job = job();
    UUID id = job.getId();
    stages.assign(job, 0, "all", StageKind.UPDATE, StageSelection.percent(100));
    StageCounters some = new StageCounters(20, 5, 2, 3, 0, 0, 0, 0, 0, 0);

    stages.record(id, 0, StageStatus.RUNNING, some);
    assertThat(dsl.fetchOne(OTA_STAGES, OTA_STAGES.JOB_ID.eq(id)).getSoakStartedAt()).isNull();
    stages.record(id, 0, StageStatus.SOAKING, some);
    var soaking = dsl.fetchOne(OTA_STAGES, OTA_STAGES.JOB_ID.eq(id)).getSoakStartedAt();
    assertThat(soaking).isNotNull();
    // A later SOAKING record (a retry's second soak) keeps when the soak first began.
    stages.record(id, 0, StageStatus.RUNNING, some);
    stages.record(id, 0, StageStatus.SOAKING, some);
    stages.record(id, 0, StageStatus.SUCCEEDED, some);
    stages.record(id, 0, StageStatus.RUNNING, StageCounters.EMPTY);

    var row = dsl.fetchOne(OTA_STAGES, OTA_STAGES.JOB_ID.eq(id));
    assertThat(row.getStatus()).isEqualTo("SUCCEEDED");
    assertThat(row.getSucceeded()).isEqualTo(3);
    assertThat(row.getFinishedAt()).isNotNull();
    assertThat(row.getSoakStartedAt()).isEqualTo(soaking);
  }

  @Test
  void aScopedRollbackTakesOnlyTheNamedStagesAndDevices() {
    OtaJobsRecord job = job();
    UUID id = job.getId();
    stages.assign(job, 0, "canary", StageKind.UPDATE, StageSelection.count(2));
    stages.assign(job, 1, "rest", StageKind.UPDATE, StageSelection.percent(100));
    List<String> canary = all(id, 0, 10);
    List<String> rest = all(id, 1, 10);
    for (String device : canary) {
      transitions.transition(id, device, DeviceUpdateState.SUCCEEDED, 0L, null, null, null);
    }
    for (String device : rest) {
      transitions.transition(id, device, DeviceUpdateState.SUCCEEDED, 0L, null, null, null);
    }
    // The canary stage, and one device of the rest.
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.ROLLBACK_STAGES, new Integer[] {0})
        .set(OTA_JOBS.ROLLBACK_DEVICES, new String[] {rest.getFirst()})
        .where(OTA_JOBS.ID.eq(id))
        .execute();
    OtaJobsRecord scoped = jobs.job(id).orElseThrow();

    assertThat(
            stages.assign(scoped, 2, "rollback", StageKind.ROLLBACK, StageSelection.percent(100)))
        .isEqualTo(canary.size() + 1);
    Set<String> expected = new HashSet<>(canary);
    expected.add(rest.getFirst());
    assertThat(new HashSet<>(all(id, 2, 20))).isEqualTo(expected);
  }

  @Test
  void rollbackStagesTakeTheirShareOfTheDevicesStillToBeTakenBackEachOnce() {
    OtaJobsRecord job = job();
    UUID id = job.getId();
    stages.assign(job, 0, "all", StageKind.UPDATE, StageSelection.percent(100));
    Set<String> changed = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      transitions.transition(id, device(i), DeviceUpdateState.SUCCEEDED, 0L, null, null, null);
      changed.add(device(i));
    }
    transitions.transition(id, device(3 + 10), DeviceUpdateState.FAILED, 0L, "X", null, null);

    // A count, then half of what is left, then the canary group's changed members, then the rest.
    assertThat(stages.assign(job, 1, "two", StageKind.ROLLBACK, StageSelection.count(2)))
        .isEqualTo(2);
    assertThat(stages.assign(job, 2, "half", StageKind.ROLLBACK, StageSelection.percent(50)))
        .isEqualTo(4);
    int canary =
        stages.assign(job, 3, "canary", StageKind.ROLLBACK, StageSelection.group("canary"));
    int rest = stages.assign(job, 4, "rest", StageKind.ROLLBACK, StageSelection.percent(100));

    List<String> taken = new ArrayList<>();
    for (int index = 1; index <= 4; index++) {
      taken.addAll(all(id, index, 3));
    }
    assertThat(taken).doesNotHaveDuplicates();
    assertThat(new HashSet<>(taken)).isEqualTo(changed);
    assertThat(canary + rest).isEqualTo(4);
    // The canary stage takes only members of the group (device 3; device 17 failed no update).
    assertThat(all(id, 3, 10)).allMatch(device -> device.equals(device(3)));
    // Nothing is left for a further stage, and a repeated assignment returns what it stored.
    assertThat(stages.assign(job, 5, "more", StageKind.ROLLBACK, StageSelection.percent(100)))
        .isZero();
    assertThat(stages.assign(job, 2, "half", StageKind.ROLLBACK, StageSelection.percent(50)))
        .isEqualTo(4);
  }

  @Test
  void theRollbackStageTakesTheDevicesTheJobChangedWithTheirOwnResultsAndHistory() {
    OtaJobsRecord job = job();
    UUID id = job.getId();
    stages.assign(job, 0, "all", StageKind.UPDATE, StageSelection.percent(100));
    Set<String> changed = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      transitions.transition(id, device(i), DeviceUpdateState.SUCCEEDED, 0L, null, null, null);
      changed.add(device(i));
    }
    transitions.transition(id, device(5), DeviceUpdateState.FAILED, 0L, "X", null, null);

    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.STATUS_DETAIL, "canceled by operator, with rollback")
        .where(OTA_JOBS.ID.eq(id))
        .execute();

    assertThat(stages.assign(job, 1, "rollback", StageKind.ROLLBACK, StageSelection.percent(100)))
        .isEqualTo(3);
    // The reason for the rollback stays the job's detail; an update stage would replace it.
    assertThat(dsl.fetchValue(OTA_JOBS.STATUS_DETAIL, OTA_JOBS.ID.eq(id)))
        .isEqualTo("canceled by operator, with rollback");
    assertThat(new HashSet<>(all(id, 1, 2))).isEqualTo(changed);
    var target = rollbacks.target(id, device(0)).orElseThrow();
    assertThat(target.toVersion()).isEqualTo("1.0");
    assertThat(target.storageKey()).isNull();

    assertThat(
            rollbacks.transition(
                id, device(0), DeviceUpdateState.SENT, null, null, "offer", new byte[] {7}))
        .isTrue();
    assertThat(
            rollbacks.transition(id, device(0), DeviceUpdateState.SUCCEEDED, 9L, null, null, null))
        .isTrue();
    assertThat(rollbacks.transition(id, device(0), DeviceUpdateState.FAILED, 9L, null, null, null))
        .isFalse();
    assertThat(
            dsl.select(OTA_RESULT_HISTORY.STATE)
                .from(OTA_RESULT_HISTORY)
                .where(OTA_RESULT_HISTORY.JOB_ID.eq(id))
                .and(OTA_RESULT_HISTORY.DEVICE_ID.eq(device(0)))
                .and(OTA_RESULT_HISTORY.PHASE.eq("ROLLBACK"))
                .orderBy(OTA_RESULT_HISTORY.ID)
                .fetch(OTA_RESULT_HISTORY.STATE))
        .containsExactly("QUEUED", "SENT", "SUCCEEDED");
    // The update's own result is untouched by its rollback.
    assertThat(
            dsl.select(OTA_RESULTS.BYTES_SENT)
                .from(OTA_RESULTS)
                .where(OTA_RESULTS.JOB_ID.eq(id).and(OTA_RESULTS.DEVICE_ID.eq(device(0))))
                .fetchOne(OTA_RESULTS.BYTES_SENT))
        .isZero();
  }
}
