package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.sql.generated.tables.records.OtaJobsRecord;
import dev.firmament.workers.TestDatabase;
import dev.firmament.workers.rollout.JobTargets.UpdateTarget;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which devices a job targets, on a real PostgreSQL. */
class JobTargetsTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;
  private static JobTargets targets;
  private static JobRecords jobs;

  private SevenDevices fleet;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
    ResultTransitions transitions = new ResultTransitions(dsl);
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

  @Test
  void targetsArePagedInIdOrderAndAGroupJobSeesOnlyItsGroup() {
    OtaJobsRecord all = fleet.job(null);
    List<String> first = targets.list(all, null, 3);
    List<String> second = targets.list(all, first.getLast(), 3);
    List<String> third = targets.list(all, second.getLast(), 3);
    assertThat(first).containsExactly(fleet.device(0), fleet.device(1), fleet.device(2));
    assertThat(second).containsExactly(fleet.device(3), fleet.device(4), fleet.device(5));
    assertThat(third).containsExactly(fleet.device(6));

    UUID group =
        database.group(
            fleet.org, fleet.product, "canary", List.of(fleet.device(1), fleet.device(4)));
    OtaJobsRecord canary = fleet.job(group);
    assertThat(jobs.startJob(canary)).isEqualTo(2);
    assertThat(targets.list(canary, null, 10)).containsExactly(fleet.device(1), fleet.device(4));
  }

  @Test
  void aDeviceLockedToAnotherVersionIsNoTargetAndOneLockedToTheJobsVersionIs() {
    dsl.update(DEVICES)
        .set(DEVICES.FIRMWARE_LOCK, "1.0")
        .where(DEVICES.ID.eq(fleet.device(2)))
        .execute();
    dsl.update(DEVICES)
        .set(DEVICES.FIRMWARE_LOCK, "2.0")
        .where(DEVICES.ID.eq(fleet.device(5)))
        .execute();
    OtaJobsRecord job = fleet.job(null);

    assertThat(targets.list(job, null, 10))
        .hasSize(6)
        .doesNotContain(fleet.device(2))
        .contains(fleet.device(5));
    assertThat(jobs.startJob(job)).isEqualTo(6);
  }

  @Test
  void joinersAreQueuedOnceWithTheirHistory() {
    OtaJobsRecord job = fleet.job(null);
    jobs.startJob(job);
    dsl.insertInto(DEVICES)
        .set(DEVICES.ID, fleet.device(7))
        .set(DEVICES.ORGANIZATION_ID, fleet.org)
        .set(DEVICES.PRODUCT_ID, fleet.product)
        .set(DEVICES.NAME, "d7")
        .set(DEVICES.FIRMWARE_VERSION, "1.5")
        .execute();

    assertThat(targets.queueJoiners(job)).isEqualTo(1);
    assertThat(targets.queueJoiners(job)).isZero();

    assertThat(fleet.result(job.getId(), fleet.device(7)).getFromVersion()).isEqualTo("1.5");
    assertThat(fleet.history(job.getId(), fleet.device(7))).containsExactly("QUEUED");
  }

  @Test
  void anUpdateTargetCarriesTheFirmwareTheDeviceAndItsResult() {
    OtaJobsRecord job = fleet.job(null);

    UpdateTarget before = targets.updateTarget(job.getId(), fleet.device(2)).orElseThrow();
    assertThat(before.organizationId()).isEqualTo(fleet.org);
    assertThat(before.deviceVersion()).isEqualTo("1.0");
    assertThat(before.targetVersion()).isEqualTo("2.0");
    assertThat(before.size()).isEqualTo(1234L);
    assertThat(before.resultState()).as("not queued yet").isNull();

    jobs.startJob(job);
    UpdateTarget queued = targets.updateTarget(job.getId(), fleet.device(2)).orElseThrow();
    assertThat(queued.resultState()).isEqualTo(DeviceUpdateState.QUEUED);
    assertThat(queued.bytesSent()).isZero();

    assertThat(targets.updateTarget(job.getId(), "no-such-device")).isEmpty();
  }
}
