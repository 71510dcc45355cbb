package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_STAGES;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.firmament.orchestrator.rollout.AdvanceMode;
import dev.firmament.orchestrator.rollout.BreachAction;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RolloutPlan;
import dev.firmament.orchestrator.rollout.RolloutRequest;
import dev.firmament.orchestrator.rollout.StagePlan;
import dev.firmament.orchestrator.rollout.StageSelection;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * createOTAJob with a staged plan, the rollout controls and invalidateFirmware, against the API's
 * stand-in rollout workflow: what reaches the workflow, what is stored, and the typed refusals.
 */
class RolloutControlsTest extends ApiIntegrationTest {
  private static final String STAGED =
      """
      mutation($productId: ID!, $version: String!) {
        createOTAJob(input: {
          productId: $productId, targetVersion: $version, maxInFlight: 7,
          stages: [
            {name: "canary", group: "canary", soakSeconds: 3600},
            {name: "wave", percent: 25, maxInFlight: 50,
             rate: {perMinute: 30, factor: 2.0, raiseAfterSuccesses: 5, maxPerMinute: 240},
             requireApproval: true},
            {name: "rest", percent: 100,
             gate: {maxFailureRate: 0.0, minimumSample: 1, onBreach: ROLLBACK}}
          ],
          gate: {countedFailures: [FAILED, TIMED_OUT], maxFailureRate: 0.1, minimumSample: 20,
                 minSuccessRate: 0.9, onBreach: ABORT},
          retry: {maxAttempts: 3, initialBackoffSeconds: 60, errorCodes: ["TIMED_OUT"]},
          deviceTimeoutSeconds: 900,
          maintenanceWindow: {cron: "0 0 2 * * *", durationMinutes: 120, zone: "Europe/Berlin"},
          startAt: "START_AT",
          requireApproval: true
        }) { job { id status stages { index name status kind } } }
      }
      """;

  /** A start within the plan's horizon, to the second. */
  private static final Instant START_AT =
      Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS);

  @Test
  void aStagedPlanReachesTheWorkflowAndIsStoredWithTheJob() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("staged"), 3);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    createGroup(productId, "canary", devices.subList(0, 1));

    var response =
        graphQl
            .document(STAGED.replace("START_AT", START_AT.toString()))
            .variable("productId", productId)
            .variable("version", "2.0.0")
            .execute();
    response.errors().verify();
    String jobId = response.path("createOTAJob.job.id").entity(String.class).get();
    response
        .path("createOTAJob.job.stages[*].name")
        .entityList(String.class)
        .containsExactly("canary", "wave", "rest");
    response
        .path("createOTAJob.job.stages[*].status")
        .entityList(String.class)
        .containsExactly("PENDING", "PENDING", "PENDING");

    RolloutRequest request = startRequest(jobId);
    RolloutPlan plan = request.plan();
    assertThat(request.deviceTimeout()).isEqualTo(Duration.ofSeconds(900));
    assertThat(plan.requireApproval()).isTrue();
    assertThat(plan.startAt()).isEqualTo(START_AT);
    assertThat(plan.window().zone()).isEqualTo("Europe/Berlin");
    assertThat(plan.retry().maxAttempts()).isEqualTo(3);
    assertThat(plan.retry().retryableCodes()).containsExactly("TIMED_OUT");
    assertThat(plan.stages()).hasSize(3);
    assertThat(plan.stages().get(0).selection()).isEqualTo(StageSelection.group("canary"));
    assertThat(plan.stages().get(0).maxInFlight()).isEqualTo(7);
    assertThat(plan.stages().get(0).soak()).isEqualTo(Duration.ofHours(1));
    assertThat(plan.stages().get(0).gate().onBreach()).isEqualTo(BreachAction.ABORT);
    assertThat(plan.stages().get(0).gate().countedFailures())
        .containsExactlyInAnyOrder(DeviceUpdateState.FAILED, DeviceUpdateState.TIMED_OUT);
    assertThat(plan.stages().get(1).advance()).isEqualTo(AdvanceMode.APPROVAL);
    assertThat(plan.stages().get(1).rate().basePerMinute()).isEqualTo(30);
    assertThat(plan.stages().get(2).gate().onBreach()).isEqualTo(BreachAction.ROLLBACK);

    String stored =
        dsl.select(OTA_JOBS.PLAN)
            .from(OTA_JOBS)
            .where(OTA_JOBS.ID.eq(UUID.fromString(jobId)))
            .fetchOne(OTA_JOBS.PLAN);
    assertThat(stored).contains("\"canary\"").contains("Europe/Berlin");
  }

  @Test
  void aPlanTheWorkflowCouldNotRunIsRefused() {
    String productId = createProduct();
    registerDevices(productId, unique("bad"), 1);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String twoSelections =
        "mutation($p: ID!) { createOTAJob(input: {productId: $p, targetVersion: \"2.0.0\","
            + " stages: [{name: \"x\", percent: 10, count: 3}]}) { job { id } } }";
    String badCron =
        "mutation($p: ID!) { createOTAJob(input: {productId: $p, targetVersion: \"2.0.0\","
            + " maintenanceWindow: {cron: \"every night\", durationMinutes: 60}}) { job { id } } }";
    String badRate =
        "mutation($p: ID!) { createOTAJob(input: {productId: $p, targetVersion: \"2.0.0\","
            + " gate: {maxFailureRate: 1.5}}) { job { id } } }";
    var before = rowCounts();

    assertRefused(graphQl.document(twoSelections).variable("p", productId), "INVALID_ARGUMENT");
    assertRefused(graphQl.document(badCron).variable("p", productId), "INVALID_ARGUMENT");
    assertRefused(graphQl.document(badRate).variable("p", productId), "INVALID_ARGUMENT");
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void aDowngradeNeedsAllowDowngradeAndIsRecorded() {
    String productId = createProduct();
    registerDevices(productId, unique("down"), 2);
    uploadFirmware(productId, "0.9.0", unique("v09").getBytes(StandardCharsets.UTF_8));
    String create =
        "mutation($p: ID!, $allow: Boolean) { createOTAJob(input: {productId: $p, targetVersion:"
            + " \"0.9.0\", allowDowngrade: $allow}) { job { id } } }";
    var before = rowCounts();

    assertRefused(
        graphQl.document(create).variable("p", productId).variable("allow", false),
        "FAILED_PRECONDITION");
    assertThat(rowCounts()).isEqualTo(before);

    String jobId =
        graphQl
            .document(create)
            .variable("p", productId)
            .variable("allow", true)
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();
    graphQl
        .document("query($id: ID!) { firmwareOTAJob(id: $id) { allowDowngrade } }")
        .variable("id", jobId)
        .execute()
        .path("firmwareOTAJob.allowDowngrade")
        .entity(Boolean.class)
        .isEqualTo(true);
  }

  @Test
  void onlyARolloutThatEndedAndChangedDevicesIsRolledBackAfterwards() {
    String running = simpleJob();
    String rollback = "mutation($id: ID!) { rollbackOTAJob(input: {jobId: $id}) { job { id } } }";
    var before = rowCounts();

    assertRefused(graphQl.document(rollback).variable("id", running), "FAILED_PRECONDITION");
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.STATUS, "FAILED")
        .where(OTA_JOBS.ID.eq(UUID.fromString(running)))
        .execute();
    // Ended, but it changed no device: nothing to take back.
    assertRefused(graphQl.document(rollback).variable("id", running), "FAILED_PRECONDITION");
    assertRefused(
        graphQl.document(rollback).variable("id", UUID.randomUUID().toString()), "NOT_FOUND");
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void aRollbackTakesTheNamedDevicesOrStagesOnly() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("scope"), 2);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String jobId = createJob(productId, "2.0.0");
    UUID id = UUID.fromString(jobId);
    UUID org = dsl.fetchSingle(OTA_JOBS, OTA_JOBS.ID.eq(id)).getOrganizationId();
    dsl.update(OTA_JOBS).set(OTA_JOBS.STATUS, "SUCCEEDED").where(OTA_JOBS.ID.eq(id)).execute();
    // Only the first device was changed by the rollout.
    dsl.insertInto(OTA_RESULTS)
        .set(OTA_RESULTS.ORGANIZATION_ID, org)
        .set(OTA_RESULTS.JOB_ID, id)
        .set(OTA_RESULTS.DEVICE_ID, devices.get(0))
        .set(OTA_RESULTS.STATE, "SUCCEEDED")
        .set(OTA_RESULTS.FROM_VERSION, "1.0.0")
        .set(OTA_RESULTS.STAGE, 0)
        .execute();
    String rollback =
        "mutation($id: ID!, $stages: [String!], $devices: [ID!]) { rollbackOTAJob(input: {jobId:"
            + " $id, stages: $stages, deviceIds: $devices}) { job { id status } } }";

    assertRefused(
        graphQl.document(rollback).variable("id", jobId).variable("stages", List.of("nope")),
        "NOT_FOUND");
    assertRefused(
        graphQl
            .document(rollback)
            .variable("id", jobId)
            .variable("devices", List.of(devices.get(1))),
        "FAILED_PRECONDITION");
    assertRefused(
        graphQl
            .document(
                "mutation($id: ID!) { rollbackOTAJob(input: {jobId: $id, rollbackStages: [{name:"
                    + " \"b\", percent: 50, soakSeconds: 5}]}) { job { id } } }")
            .variable("id", jobId),
        "INVALID_ARGUMENT");

    graphQl
        .document(rollback)
        .variable("id", jobId)
        .variable("devices", List.of(devices.get(0)))
        .execute()
        .path("rollbackOTAJob.job.status")
        .entity(String.class)
        .isEqualTo("ROLLING_BACK");
    var row = dsl.fetchSingle(OTA_JOBS, OTA_JOBS.ID.eq(id));
    assertThat(row.getRollbackDevices()).containsExactly(devices.get(0));
    assertThat(row.getRollbackStages()).isNull();
    assertThat(row.getStatusDetail())
        .startsWith("rolled back after it ended by ")
        .endsWith(": 1 listed devices");
    // The plan's one stage is index 0: the rollback is stage 1, and a run of its own.
    assertThat(row.getWorkflowId()).isEqualTo("rollout/" + jobId + "/rollback/1");
  }

  @Test
  void theTimelineShowsStatusesStagesAndWhoSentWhichControl() {
    String jobId = simpleJob();
    graphQl
        .document("mutation($id: ID!) { approveOTAJob(input: {jobId: $id}) { job { id } } }")
        .variable("id", jobId)
        .execute()
        .errors()
        .verify();
    UUID id = UUID.fromString(jobId);
    var job = dsl.fetchSingle(OTA_JOBS, OTA_JOBS.ID.eq(id));
    dsl.insertInto(OTA_STAGES)
        .set(OTA_STAGES.ORGANIZATION_ID, job.getOrganizationId())
        .set(OTA_STAGES.JOB_ID, id)
        .set(OTA_STAGES.STAGE_INDEX, 0)
        .set(OTA_STAGES.NAME, "canary")
        .set(OTA_STAGES.KIND, "UPDATE")
        .set(OTA_STAGES.STATUS, "SUCCEEDED")
        .set(OTA_STAGES.SOAK_STARTED_AT, org.jooq.impl.DSL.currentOffsetDateTime())
        .set(OTA_STAGES.FINISHED_AT, java.time.OffsetDateTime.now().plusSeconds(5))
        .execute();
    dsl.update(OTA_JOBS).set(OTA_JOBS.STATUS, "RUNNING").where(OTA_JOBS.ID.eq(id)).execute();
    // Sent while the stage soaked: the stage says who cut its soak short.
    graphQl
        .document("mutation($id: ID!) { promoteOTAJob(input: {jobId: $id}) { job { id } } }")
        .variable("id", jobId)
        .execute()
        .errors()
        .verify();

    var timeline =
        graphQl
            .document(
                "query($id: ID!) { firmwareOTAJob(id: $id) { timeline { kind what actor outcome"
                    + " stage } } }")
            .variable("id", jobId)
            .execute();
    timeline.errors().verify();
    timeline
        .path("firmwareOTAJob.timeline[*].kind")
        .entityList(String.class)
        .containsExactly(
            "STATUS",
            "CONTROL",
            "STAGE_STARTED",
            "STAGE_SOAKING",
            "STATUS",
            "CONTROL",
            "STAGE_FINISHED");
    timeline
        .path("firmwareOTAJob.timeline[*].what")
        .entityList(String.class)
        .containsExactly(
            "SCHEDULED",
            "approveOTAJob",
            "canary",
            "canary",
            "RUNNING",
            "promoteOTAJob",
            "canary SUCCEEDED");
    var stage =
        graphQl
            .document(
                "query($id: ID!) { firmwareOTAJob(id: $id) { stages { startedAt soakStartedAt"
                    + " promotedBy promotedAt approvedBy } } }")
            .variable("id", jobId)
            .execute();
    stage.path("firmwareOTAJob.stages[0].startedAt").hasValue();
    stage.path("firmwareOTAJob.stages[0].soakStartedAt").hasValue();
    stage.path("firmwareOTAJob.stages[0].promotedAt").hasValue();
    stage
        .path("firmwareOTAJob.stages[0].promotedBy")
        .entity(String.class)
        .satisfies(actor -> assertThat(actor).contains("@"));
    // The plan's only stage does not wait for an approval: the start's approval is not its own.
    stage.path("firmwareOTAJob.stages[0].approvedBy").valueIsNull();
    timeline.path("firmwareOTAJob.timeline[1].outcome").entity(String.class).isEqualTo("ok");
    timeline
        .path("firmwareOTAJob.timeline[1].actor")
        .entity(String.class)
        .satisfies(actor -> assertThat(actor).isNotEqualTo("system").contains("@"));
    timeline.path("firmwareOTAJob.timeline[2].stage").entity(Integer.class).isEqualTo(0);
  }

  @Test
  void aScheduledRolloutTakesANewStartWindowAndStagesUntilItStarts() {
    String jobId = simpleJob();
    String update =
        "mutation($id: ID!, $at: DateTime) { updateOTAJob(input: {jobId: $id, startAt: $at,"
            + " maintenanceWindow: {cron: \"0 0 3 * * *\", durationMinutes: 30},"
            + " stages: [{name: \"first\", count: 1}, {name: \"rest\", percent: 100}]})"
            + " { job { id } } }";
    java.time.Instant at =
        java.time.Instant.now()
            .plus(Duration.ofDays(2))
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    graphQl
        .document(update)
        .variable("id", jobId)
        .variable("at", at.toString())
        .execute()
        .errors()
        .verify();

    String stored =
        dsl.select(OTA_JOBS.PLAN)
            .from(OTA_JOBS)
            .where(OTA_JOBS.ID.eq(UUID.fromString(jobId)))
            .fetchOne(OTA_JOBS.PLAN);
    RolloutPlan plan =
        DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
            io.temporal.api.common.v1.Payload.newBuilder()
                .putMetadata("encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
                .setData(com.google.protobuf.ByteString.copyFromUtf8(stored))
                .build(),
            RolloutPlan.class,
            RolloutPlan.class);
    assertThat(plan.startAt()).isEqualTo(at);
    assertThat(plan.window().cron()).isEqualTo("0 0 3 * * *");
    assertThat(plan.stages()).extracting(StagePlan::name).containsExactly("first", "rest");

    var before = rowCounts();
    assertRefused(
        graphQl
            .document(update)
            .variable("id", jobId)
            .variable("at", java.time.Instant.now().plus(Duration.ofDays(3650)).toString()),
        "INVALID_ARGUMENT");
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.STATUS, "RUNNING")
        .where(OTA_JOBS.ID.eq(UUID.fromString(jobId)))
        .execute();
    assertRefused(
        graphQl.document(update).variable("id", jobId).variable("at", at.toString()),
        "FAILED_PRECONDITION");
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void aDeviceBelongsToOneOpenRolloutAtATime() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("lease"), 4);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String east = createGroup(productId, "east", devices.subList(0, 2));
    String west = createGroup(productId, "west", devices.subList(2, 4));
    String both = createGroup(productId, "both", devices.subList(1, 3));
    String byGroup =
        "mutation($p: ID!, $g: ID) { createOTAJob(input: {productId: $p, targetVersion: \"2.0.0\","
            + " deviceGroupId: $g}) { job { id } } }";

    graphQl
        .document(byGroup)
        .variable("p", productId)
        .variable("g", east)
        .execute()
        .errors()
        .verify();
    // Disjoint devices: both rollouts may run.
    graphQl
        .document(byGroup)
        .variable("p", productId)
        .variable("g", west)
        .execute()
        .errors()
        .verify();
    var before = rowCounts();

    assertRefused(
        graphQl.document(byGroup).variable("p", productId).variable("g", both), "CONFLICT");
    assertRefused(
        graphQl.document(byGroup).variable("p", productId).variable("g", null), "CONFLICT");
    assertThat(rowCounts()).isEqualTo(before);

    // A rollout that says it waits is created, and starts once the others have finished.
    String waiting =
        graphQl
            .document(
                "mutation($p: ID!) { createOTAJob(input: {productId: $p, targetVersion:"
                    + " \"2.0.0\", onDevicesBusy: WAIT}) { job { id status } } }")
            .variable("p", productId)
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();
    assertThat(
            dsl.select(OTA_JOBS.PLAN)
                .from(OTA_JOBS)
                .where(OTA_JOBS.ID.eq(UUID.fromString(waiting)))
                .fetchOne(OTA_JOBS.PLAN))
        .contains("\"waitForDevices\":true");
  }

  @Test
  void aPlanThatCouldNotRunToItsEndIsRefusedBeforeAnythingIsWritten() {
    String productId = createProduct();
    registerDevices(productId, unique("bounds"), 1);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    var before = rowCounts();
    String inTenYears = Instant.now().plus(Duration.ofDays(3650)).toString();

    for (String plan :
        List.of(
            // A stage name longer than its column: it used to fail at run time, every second.
            "stages: [{name: \"" + "s".repeat(150) + "\", percent: 100}]",
            "stages: [{name: \"tab\\there\", percent: 100}]",
            "stages: [{name: \"g\", group: \"" + "g".repeat(101) + "\"}]",
            "startAt: \"" + inTenYears + "\"",
            // 30 February never comes; a window must open within the horizon.
            "maintenanceWindow: {cron: \"0 0 2 30 2 *\", durationMinutes: 60}",
            "maintenanceWindow: {cron: \"0 0 2 * * *\", durationMinutes: 20000}",
            "retry: {maxAttempts: 2147483647}",
            "retry: {maxAttempts: 3, initialBackoffSeconds: 0}",
            "retry: {maxAttempts: 3, maxBackoffSeconds: 100000000}",
            "retry: {maxAttempts: 3, backoffFactor: 1000.0}",
            "stages: [{name: \"s\", percent: 100, soakSeconds: 99999999}]",
            "stages: [{name: \"s\", count: 0}]",
            "stages: [{name: \"s\", percent: 100, rate: {perMinute: 0}}]",
            "deviceTimeoutSeconds: 99999999",
            // A rollback stage does not soak, cannot roll back again, and names are unique.
            "rollbackStages: [{name: \"b\", percent: 100, soakSeconds: 60}]",
            "rollbackStages: [{name: \"b\", percent: 100,"
                + " gate: {maxFailureRate: 0.1, onBreach: ROLLBACK}}]",
            "rollbackStages: [{name: \"b\", count: 1}, {name: \"b\", percent: 100}]",
            "rollbackStages: []",
            // Offline devices wait at least a minute and at most the horizon.
            "expiresAfterSeconds: 10",
            "expiresAfterSeconds: 99999999")) {
      assertRefused(
          graphQl
              .document(
                  "mutation($p: ID!) { createOTAJob(input: {productId: $p, targetVersion:"
                      + " \"2.0.0\", "
                      + plan
                      + "}) { job { id } } }")
              .variable("p", productId),
          "INVALID_ARGUMENT");
    }
    // A stage of a group the product does not have would assign nobody and end at once.
    assertRefused(
        graphQl
            .document(
                "mutation($p: ID!) { createOTAJob(input: {productId: $p, targetVersion: \"2.0.0\","
                    + " stages: [{name: \"c\", group: \"no-such-group\"}]}) { job { id } } }")
            .variable("p", productId),
        "NOT_FOUND");
    assertRefused(
        graphQl
            .document(
                "mutation($p: ID!) { createOTAJob(input: {productId: $p, targetVersion: \"2.0.0\","
                    + " rollbackStages: [{name: \"c\", group: \"no-such-group\"}]}) { job { id } } }")
            .variable("p", productId),
        "NOT_FOUND");
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void controlsReachTheRunningWorkflowAndAreRefusedOnUnknownOrFinishedJobs() {
    String jobId = simpleJob();

    for (String mutation :
        List.of(
            "approveOTAJob", "pauseOTAJob", "resumeOTAJob", "promoteOTAJob", "retryFailedOTAJob")) {
      graphQl
          .document("mutation($id: ID!) { " + mutation + "(input: {jobId: $id}) { job { id } } }")
          .variable("id", jobId)
          .execute()
          .errors()
          .verify();
    }
    awaitSignals(
        jobId,
        signals ->
            assertThat(signals)
                .containsExactly("approve", "pause", "resume", "promote", "retryFailed"));

    assertRefused(
        graphQl
            .document("mutation($id: ID!) { pauseOTAJob(input: {jobId: $id}) { job { id } } }")
            .variable("id", UUID.randomUUID().toString()),
        "NOT_FOUND");

    graphQl
        .document(
            "mutation($id: ID!) { cancelOTAJob(input: {jobId: $id, rollback: true}) { job { id } } }")
        .variable("id", jobId)
        .execute()
        .errors()
        .verify();
    awaitSignals(jobId, signals -> assertThat(signals).endsWith("cancel"));

    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.STATUS, "CANCELED")
        .where(OTA_JOBS.ID.eq(UUID.fromString(jobId)))
        .execute();
    assertRefused(
        graphQl
            .document("mutation($id: ID!) { resumeOTAJob(input: {jobId: $id}) { job { id } } }")
            .variable("id", jobId),
        "FAILED_PRECONDITION");
  }

  @Test
  void invalidatingAFirmwareAbortsItsUnfinishedJobsAndRefusesNewOnes() {
    String productId = createProduct();
    registerDevices(productId, unique("inv"), 2);
    String firmwareId =
        uploadFirmware(productId, "4.0.0", unique("v4").getBytes(StandardCharsets.UTF_8));
    String jobId = createJob(productId, "4.0.0");

    var response =
        graphQl
            .document(
                "mutation($f: ID!) { invalidateFirmware(input: {firmwareId: $f, reason: \"bricks\"})"
                    + " { firmware { id invalidatedAt invalidReason } abortedJobs { id } } }")
            .variable("f", firmwareId)
            .execute();
    response.errors().verify();
    response
        .path("invalidateFirmware.firmware.invalidReason")
        .entity(String.class)
        .isEqualTo("bricks");
    response.path("invalidateFirmware.firmware.invalidatedAt").hasValue();
    response
        .path("invalidateFirmware.abortedJobs[*].id")
        .entityList(String.class)
        .containsExactly(jobId);
    awaitSignals(jobId, signals -> assertThat(signals).contains("abort"));
    assertThat(
            dsl.select(PRODUCT_FIRMWARE.INVALID_REASON)
                .from(PRODUCT_FIRMWARE)
                .where(PRODUCT_FIRMWARE.ID.eq(UUID.fromString(firmwareId)))
                .fetchOne(PRODUCT_FIRMWARE.INVALID_REASON))
        .isEqualTo("bricks");

    assertRefused(
        graphQl
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "4.0.0"),
        "FAILED_PRECONDITION");
    assertRefused(
        graphQl
            .document(
                "mutation($f: ID!) { invalidateFirmware(input: {firmwareId: $f}) { firmware { id } } }")
            .variable("f", UUID.randomUUID().toString()),
        "NOT_FOUND");
  }

  private String simpleJob() {
    String productId = createProduct();
    registerDevices(productId, unique("ctl"), 2);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    return createJob(productId, "2.0.0");
  }

  private String createJob(String productId, String version) {
    return graphQl
        .documentName("CreateOTAJob")
        .variable("productId", productId)
        .variable("targetVersion", version)
        .execute()
        .path("createOTAJob.job.id")
        .entity(String.class)
        .get();
  }

  private RolloutRequest startRequest(String jobId) {
    var started =
        workflowClient
            .fetchHistory("rollout/" + jobId)
            .getHistory()
            .getEvents(0)
            .getWorkflowExecutionStartedEventAttributes();
    return DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
        0, Optional.of(started.getInput()), RolloutRequest.class, RolloutRequest.class);
  }

  /**
   * A signal that arrives while the workflow task is running is buffered by Temporal and written to
   * the history only when that task completes, so on a busy machine it shows up a little later.
   */
  private void awaitSignals(String jobId, Consumer<List<String>> check) {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> check.accept(signals(jobId)));
  }

  private List<String> signals(String jobId) {
    return workflowClient.fetchHistory("rollout/" + jobId).getEvents().stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
        .map(HistoryEvent::getWorkflowExecutionSignaledEventAttributes)
        .map(a -> a.getSignalName())
        .filter(name -> !Set.of("stageReport").contains(name))
        .toList();
  }
}
