package dev.firmament.workers.delivery;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_ROLLBACK_RESULTS;
import static dev.firmament.workers.delivery.StatusBridgeTest.key;
import static dev.firmament.workers.delivery.StatusBridgeTest.report;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.DeviceReport;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.workers.FakeTemporalFrontend;
import dev.firmament.workers.RecordingGateway;
import dev.firmament.workers.TestDatabase;
import dev.firmament.workers.delta.ReleaseSigning;
import dev.firmament.workers.device.DevicePresence;
import dev.firmament.workers.rollout.JobRecords;
import dev.firmament.workers.rollout.JobTargets;
import dev.firmament.workers.rollout.ResultTransitions;
import dev.firmament.workers.rollout.RollbackRecords;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.temporal.api.errordetails.v1.NotFoundFailure;
import io.temporal.api.workflowservice.v1.RecordActivityTaskHeartbeatRequest;
import io.temporal.api.workflowservice.v1.RecordActivityTaskHeartbeatResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.StatusUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Temporal must hear of even when it cannot at the moment: completions (the status bridge and
 * the outbox) and the heartbeats of open deliveries, against a Temporal frontend that fails on
 * request, on a real PostgreSQL.
 */
class CompletionOutboxTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;
  private static ResultTransitions transitions;
  private static FakeTemporalFrontend temporal;
  private static CompletionOutbox outbox;
  private static StatusBridge bridge;

  /** Task tokens the frontend took, and those of activities it says have ended. */
  private static final List<String> taken = new CopyOnWriteArrayList<>();

  private static final Set<String> ended = ConcurrentHashMap.newKeySet();

  /** Signals the frontend took: "stage-id: device, device" per signal. */
  private static final List<String> signals = new CopyOnWriteArrayList<>();

  /** Workflow ids of stages that have ended: signals to them are refused. */
  private static final Set<String> endedStages = ConcurrentHashMap.newKeySet();

  /** Task tokens the frontend received heartbeats for. */
  private static final List<String> heartbeats = new CopyOnWriteArrayList<>();

  private static RecordingGateway gateway;
  private static DeliveryHeartbeats deliveryHeartbeats;
  private static volatile boolean down;

  private UUID job;
  private final List<String> devices = new ArrayList<>();

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
    transitions = new ResultTransitions(dsl);
    temporal = FakeTemporalFrontend.start(new Frontend());
    WorkflowClient client = temporal.client("default");
    gateway = new RecordingGateway();
    deliveryHeartbeats =
        new DeliveryHeartbeats(
            gateway,
            transitions,
            new RollbackRecords(dsl, transitions),
            client,
            Duration.ofSeconds(20));
    // Retry at once, so that the test's sweep finds what the bridge could not send.
    outbox = new CompletionOutbox(transitions, client, 0);
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
            outbox,
            client,
            gateway,
            1,
            Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() throws Exception {
    bridge.destroy();
    temporal.close();
    database.close();
  }

  @BeforeEach
  void offerThreeDevices() {
    taken.clear();
    ended.clear();
    signals.clear();
    endedStages.clear();
    heartbeats.clear();
    gateway.open.clear();
    down = false;
    UUID[] tenant = database.organizationWithProduct();
    UUID firmware = database.firmware(tenant[0], tenant[1], "2.0", 4000L);
    devices.clear();
    for (int i = 0; i < 3; i++) {
      String id = "outbox-" + tenant[0].toString().substring(0, 8) + "-" + i;
      devices.add(id);
      dsl.insertInto(DEVICES)
          .set(DEVICES.ID, id)
          .set(DEVICES.ORGANIZATION_ID, tenant[0])
          .set(DEVICES.PRODUCT_ID, tenant[1])
          .set(DEVICES.NAME, id)
          .set(DEVICES.FIRMWARE_VERSION, "1.0")
          .execute();
    }
    job = database.job(tenant[0], tenant[1], firmware, "2.0", 10);
    JobRecords jobs = new JobRecords(dsl, new JobTargets(dsl, transitions), transitions);
    jobs.startJob(jobs.job(job).orElseThrow());
    for (String device : devices) {
      transitions.offered(job, device, "DELTA", "ab".repeat(32), 300, "offer", token(device));
      // The device accepted and downloads: its final report may follow.
      transitions.transition(job, device, DeviceUpdateState.DOWNLOADING, 0L, null, null, null);
    }
  }

  @Test
  void aCompletionTemporalCouldNotTakeStaysDueAndIsSentWhenItCanAgain() {
    down = true;
    bridge.handle(List.of(succeeded(devices.get(0), "2.0"), succeeded(devices.get(1), "2.0")));

    // Recorded, and still owed to Temporal.
    assertThat(state(devices.get(0))).isEqualTo("SUCCEEDED");
    assertThat(taken).isEmpty();
    assertThat(due()).containsExactlyInAnyOrder(devices.get(0), devices.get(1));

    down = false;
    assertThat(outbox.sweep()).isEqualTo(2);

    assertThat(taken)
        .containsExactlyInAnyOrder(tokenText(devices.get(0)), tokenText(devices.get(1)));
    assertThat(due()).isEmpty();
    assertThat(outbox.sweep()).isZero();
  }

  @Test
  void aCompletionForAnActivityThatAlreadyEndedIsSettledNotRetried() {
    ended.add(tokenText(devices.get(2)));
    bridge.handle(List.of(succeeded(devices.get(2), "2.0"), succeeded(devices.get(0), "2.0")));

    assertThat(taken).containsExactly(tokenText(devices.get(0)));
    assertThat(due()).isEmpty();
  }

  @Test
  void aVersionAsLongAsTheProtocolAllowsCostsNoDeviceItsCompletion() {
    String longVersion = "2.0.0-" + "x".repeat(122);
    bridge.handle(
        List.of(succeeded(devices.get(0), longVersion), succeeded(devices.get(1), "2.0")));

    assertThat(taken)
        .containsExactlyInAnyOrder(tokenText(devices.get(0)), tokenText(devices.get(1)));
    assertThat(dsl.fetchValue(DEVICES.FIRMWARE_VERSION, DEVICES.ID.eq(devices.get(0))))
        .isEqualTo(longVersion);
    assertThat(due()).isEmpty();
  }

  @Test
  void aWorkerHeartbeatsTheActivitiesOfTheUpdatesItsGatewayDeliversWithTheirCurrentTokens() {
    // This worker's gateway delivers devices 0 and 1; device 2's offer went out through another.
    gateway.open.put(devices.get(0), key(job, devices.get(0)));
    gateway.open.put(devices.get(1), key(job, devices.get(1)));
    // A later stage run took device 1's attempt over: its activity is the one to keep alive.
    transitions.takeOver(job, devices.get(1), 1, "token-new".getBytes(UTF_8));

    assertThat(deliveryHeartbeats.beat()).isEqualTo(2);
    assertThat(heartbeats).containsExactlyInAnyOrder(tokenText(devices.get(0)), "token-new");

    // Device 0 ended: its activity is no longer kept alive, though the gateway still lists it.
    bridge.handle(List.of(succeeded(devices.get(0), "2.0")));
    heartbeats.clear();
    assertThat(deliveryHeartbeats.beat()).isEqualTo(1);
    assertThat(heartbeats).containsExactly("token-new");

    // Temporal unreachable: nothing is lost, the next round tries again.
    down = true;
    assertThat(deliveryHeartbeats.beat()).isZero();
    down = false;
    assertThat(deliveryHeartbeats.beat()).isEqualTo(1);
  }

  @Test
  void aRollbackCompletionTemporalCouldNotTakeStaysDueAndIsSentWhenItCanAgain() {
    String device = devices.get(0);
    UUID organization = dsl.fetchValue(OTA_JOBS.ORGANIZATION_ID, OTA_JOBS.ID.eq(job));
    dsl.insertInto(OTA_ROLLBACK_RESULTS)
        .set(OTA_ROLLBACK_RESULTS.ORGANIZATION_ID, organization)
        .set(OTA_ROLLBACK_RESULTS.JOB_ID, job)
        .set(OTA_ROLLBACK_RESULTS.DEVICE_ID, device)
        .set(OTA_ROLLBACK_RESULTS.TO_VERSION, "1.0")
        .set(OTA_ROLLBACK_RESULTS.STATE, "SENT")
        .set(OTA_ROLLBACK_RESULTS.STAGE_POSITION, 1L)
        .set(OTA_ROLLBACK_RESULTS.TASK_TOKEN, ("rollback-" + device).getBytes(UTF_8))
        .execute();
    down = true;
    bridge.handle(
        List.of(
            report(
                device,
                "rollout/" + job + "/rollback/" + device,
                DeviceState.SUCCEEDED,
                null,
                null,
                "1.0")));

    // Recorded, and still owed to Temporal: before the outbox, this completion was lost.
    assertThat(rollbackDue()).containsExactly(device);
    assertThat(taken).isEmpty();

    down = false;
    assertThat(outbox.sweep()).isEqualTo(1);
    assertThat(taken).containsExactly("rollback-" + device);
    assertThat(rollbackDue()).isEmpty();
    assertThat(dsl.fetchValue(DEVICES.FIRMWARE_VERSION, DEVICES.ID.eq(device))).isEqualTo("1.0");
  }

  @Test
  void theEndsOfASlicesDevicesAreSignalledToTheirStageAndTheSliceCompletesWhenAllEnded() {
    UUID sliced = slicedJob("stage-a", "slice-a");
    List<String> ids = sliceDevices;

    // Two of three report in one bridge round: one signal with both, the slice stays open.
    bridge.handle(List.of(succeeded(sliced, ids.get(0)), succeeded(sliced, ids.get(1))));
    assertThat(signals).containsExactly("stage-a: " + ids.get(0) + ", " + ids.get(1));
    assertThat(taken).isEmpty();
    assertThat(dueOf(sliced)).isEmpty();

    // The worker that delivers all three heartbeats their shared activity once.
    ids.forEach(id -> gateway.open.put(id, key(sliced, id)));
    assertThat(deliveryHeartbeats.beat()).isEqualTo(1);
    assertThat(heartbeats).containsExactly("slice-a");

    // Temporal unreachable: the last report stays due, and the slice open.
    down = true;
    bridge.handle(List.of(succeeded(sliced, ids.get(2))));
    assertThat(dueOf(sliced)).containsExactly(ids.get(2));
    assertThat(taken).isEmpty();
    // Every device ended, but one is still owed to the stage: the slice is not over yet, so no
    // other report's round completes it before that signal went out.
    assertThat(transitions.endedSlices(List.of("slice-a".getBytes(UTF_8)))).isEmpty();

    // The sweep signals it, then completes the slice: none of its devices is open any more.
    down = false;
    assertThat(outbox.sweep()).isEqualTo(1);
    assertThat(signals).last().isEqualTo("stage-a: " + ids.get(2));
    assertThat(taken).containsExactly("slice-a");
    assertThat(dueOf(sliced)).isEmpty();
  }

  @Test
  void reportsForAStageThatEndedAreSettledNotRetried() {
    UUID sliced = slicedJob("stage-b", "slice-b");
    endedStages.add("stage-b");

    bridge.handle(List.of(failed(sliced, sliceDevices.get(0))));

    assertThat(signals).isEmpty();
    assertThat(dueOf(sliced)).isEmpty();
    assertThat(outbox.sweep()).isZero();
  }

  @Test
  void aSliceThatTakesHandedOverAttemptsOverGetsTheirReportsAndCompletesWhenTheyEnded() {
    UUID sliced = slicedJob("stage-c", "slice-c");
    List<String> ids = sliceDevices;
    bridge.handle(List.of(succeeded(sliced, ids.get(0))));
    signals.clear();

    // The next stage takes the three over: the two still open become its slice's.
    assertThat(transitions.takeOverSlice(sliced, ids, "slice-d".getBytes(UTF_8), "stage-d"))
        .containsExactlyInAnyOrder(ids.get(1), ids.get(2));

    bridge.handle(List.of(succeeded(sliced, ids.get(1))));
    assertThat(signals).containsExactly("stage-d: " + ids.get(1));
    assertThat(taken).isEmpty();
    bridge.handle(List.of(failed(sliced, ids.get(2))));
    assertThat(signals).containsExactly("stage-d: " + ids.get(1), "stage-d: " + ids.get(2));
    // Only the new slice is completed: the first one's activity ended with its stage.
    assertThat(taken).containsExactly("slice-d");
  }

  /** The devices of the last {@link #slicedJob}. */
  private final List<String> sliceDevices = new ArrayList<>();

  /**
   * A second job over this test's devices, whose offers one slice made: token {@code token}, its
   * ends told to {@code stage}; every device downloading.
   */
  private UUID slicedJob(String stage, String token) {
    UUID organization = dsl.fetchValue(OTA_JOBS.ORGANIZATION_ID, OTA_JOBS.ID.eq(job));
    UUID product = dsl.fetchValue(OTA_JOBS.PRODUCT_ID, OTA_JOBS.ID.eq(job));
    UUID firmware = dsl.fetchValue(OTA_JOBS.FIRMWARE_ID, OTA_JOBS.ID.eq(job));
    dsl.update(OTA_RESULTS)
        .set(OTA_RESULTS.STATE, "SUCCEEDED")
        .where(OTA_RESULTS.JOB_ID.eq(job))
        .execute();
    UUID sliced = database.job(organization, product, firmware, "2.0", 10);
    JobRecords jobs = new JobRecords(dsl, new JobTargets(dsl, transitions), transitions);
    jobs.startJob(jobs.job(sliced).orElseThrow());
    List<ResultTransitions.Offer> offers = new ArrayList<>();
    for (String device : devices) {
      offers.add(new ResultTransitions.Offer(device, "DELTA", "ab".repeat(32), 300, "offer"));
    }
    assertThat(transitions.offeredAll(sliced, offers, token.getBytes(UTF_8), stage))
        .containsExactlyInAnyOrderElementsOf(devices);
    for (String device : devices) {
      transitions.transition(sliced, device, DeviceUpdateState.DOWNLOADING, 0L, null, null, null);
    }
    sliceDevices.clear();
    sliceDevices.addAll(devices);
    return sliced;
  }

  private dev.firmament.protocol.server.DeviceReport succeeded(UUID onJob, String device) {
    return report(device, key(onJob, device), DeviceState.SUCCEEDED, null, null, "2.0");
  }

  private dev.firmament.protocol.server.DeviceReport failed(UUID onJob, String device) {
    return report(
        device, key(onJob, device), DeviceState.FAILED, null, ErrorCode.HASH_MISMATCH, null);
  }

  private List<String> dueOf(UUID onJob) {
    return dsl.select(OTA_RESULTS.DEVICE_ID)
        .from(OTA_RESULTS)
        .where(OTA_RESULTS.JOB_ID.eq(onJob))
        .and(OTA_RESULTS.COMPLETION_DUE.isNotNull())
        .fetch(OTA_RESULTS.DEVICE_ID);
  }

  private List<String> rollbackDue() {
    return dsl.select(OTA_ROLLBACK_RESULTS.DEVICE_ID)
        .from(OTA_ROLLBACK_RESULTS)
        .where(OTA_ROLLBACK_RESULTS.JOB_ID.eq(job))
        .and(OTA_ROLLBACK_RESULTS.STATE.eq("SUCCEEDED"))
        .and(OTA_ROLLBACK_RESULTS.COMPLETION_DUE.isNotNull())
        .fetch(OTA_ROLLBACK_RESULTS.DEVICE_ID);
  }

  private dev.firmament.protocol.server.DeviceReport succeeded(String device, String version) {
    return report(device, key(job, device), DeviceState.SUCCEEDED, null, null, version);
  }

  private String state(String device) {
    return dsl.fetchValue(
        OTA_RESULTS.STATE, OTA_RESULTS.JOB_ID.eq(job).and(OTA_RESULTS.DEVICE_ID.eq(device)));
  }

  /** The devices of this test's job whose completion is still owed. */
  private List<String> due() {
    return dsl.select(OTA_RESULTS.DEVICE_ID)
        .from(OTA_RESULTS)
        .where(OTA_RESULTS.JOB_ID.eq(job))
        .and(OTA_RESULTS.COMPLETION_DUE.isNotNull())
        .fetch(OTA_RESULTS.DEVICE_ID);
  }

  private static byte[] token(String device) {
    return ("token-" + device).getBytes(StandardCharsets.UTF_8);
  }

  private static String tokenText(String device) {
    return "token-" + device;
  }

  /** Takes completions and heartbeats, fails while down, and knows activities that ended. */
  private static final class Frontend extends FakeTemporalFrontend.Service {
    @Override
    public void recordActivityTaskHeartbeat(
        RecordActivityTaskHeartbeatRequest request,
        StreamObserver<RecordActivityTaskHeartbeatResponse> response) {
      if (down) {
        response.onError(Status.UNAVAILABLE.withDescription("frontend down").asRuntimeException());
        return;
      }
      heartbeats.add(request.getTaskToken().toString(StandardCharsets.UTF_8));
      response.onNext(RecordActivityTaskHeartbeatResponse.getDefaultInstance());
      response.onCompleted();
    }

    @Override
    public void signalWorkflowExecution(
        SignalWorkflowExecutionRequest request,
        StreamObserver<SignalWorkflowExecutionResponse> response) {
      String stage = request.getWorkflowExecution().getWorkflowId();
      if (down) {
        response.onError(Status.UNAVAILABLE.withDescription("frontend down").asRuntimeException());
      } else if (endedStages.contains(stage)) {
        response.onError(
            StatusUtils.newException(
                Status.NOT_FOUND.withDescription("workflow execution already completed"),
                NotFoundFailure.getDefaultInstance(),
                NotFoundFailure.getDescriptor()));
      } else {
        DeviceReport[] reports =
            DefaultDataConverter.newDefaultInstance()
                .fromPayloads(
                    0,
                    java.util.Optional.of(request.getInput()),
                    DeviceReport[].class,
                    DeviceReport[].class);
        signals.add(
            stage
                + ": "
                + String.join(
                    ", ", java.util.Arrays.stream(reports).map(DeviceReport::deviceId).toList()));
        response.onNext(SignalWorkflowExecutionResponse.getDefaultInstance());
        response.onCompleted();
      }
    }

    @Override
    public void respondActivityTaskCompleted(
        RespondActivityTaskCompletedRequest request,
        StreamObserver<RespondActivityTaskCompletedResponse> response) {
      String token = request.getTaskToken().toString(StandardCharsets.UTF_8);
      if (down) {
        response.onError(Status.UNAVAILABLE.withDescription("frontend down").asRuntimeException());
      } else if (ended.contains(token)) {
        response.onError(
            StatusUtils.newException(
                Status.NOT_FOUND.withDescription("activity already ended"),
                NotFoundFailure.getDefaultInstance(),
                NotFoundFailure.getDescriptor()));
      } else {
        taken.add(token);
        response.onNext(RespondActivityTaskCompletedResponse.getDefaultInstance());
        response.onCompleted();
      }
    }
  }
}
