package dev.firmament.workers.delivery;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_ROLLBACK_RESULTS;
import static dev.firmament.workers.delivery.StatusBridgeTest.key;
import static dev.firmament.workers.delivery.StatusBridgeTest.report;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.protocol.DeviceState;
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
import io.temporal.client.WorkflowClient;
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
