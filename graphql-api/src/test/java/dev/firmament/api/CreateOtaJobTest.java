package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.RolloutRequest;
import dev.firmament.orchestrator.rollout.TaskQueues;
import io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * createOTAJob writes the job row and starts workflow {@code rollout/{jobId}} with its settings.
 */
class CreateOtaJobTest extends ApiIntegrationTest {

  @Test
  void startsTheRolloutWorkflowForTheWholeProduct() {
    String productId = createProduct();
    registerDevices(productId, unique("all"), 3);
    uploadFirmware(productId, "2.0.0", "v2".getBytes(StandardCharsets.UTF_8));

    var response =
        graphQl
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "2.0.0")
            .execute();
    response.errors().verify();
    String jobId = response.path("createOTAJob.job.id").entity(String.class).get();
    response.path("createOTAJob.job.status").entity(String.class).isEqualTo("SCHEDULED");
    response.path("createOTAJob.job.totalDevices").entity(Integer.class).isEqualTo(3);

    var row = dsl.selectFrom(OTA_JOBS).where(OTA_JOBS.ID.eq(UUID.fromString(jobId))).fetchSingle();
    assertThat(row.getWorkflowId()).isEqualTo("rollout/" + jobId);
    assertThat(row.getTargetKind()).isEqualTo("PRODUCT");
    assertThat(row.getMaxInFlight()).isEqualTo(20);

    WorkflowExecutionStartedEventAttributes started = startedEvent("rollout/" + jobId);
    assertThat(started.getWorkflowType().getName()).isEqualTo("RolloutWorkflow");
    assertThat(started.getTaskQueue().getName()).isEqualTo(TaskQueues.ROLLOUT);
    RolloutRequest request =
        DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
            0, Optional.of(started.getInput()), RolloutRequest.class, RolloutRequest.class);
    assertThat(request.jobId()).isEqualTo(jobId);
    assertThat(request.maxInFlight()).isEqualTo(20);
    assertThat(request.deviceTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(request.pageSize()).isEqualTo(500);
  }

  @Test
  void targetsOneGroupWithItsOwnConcurrency() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("grp"), 4);
    uploadFirmware(productId, "3.0.0", "v3".getBytes(StandardCharsets.UTF_8));
    String groupId =
        graphQl
            .documentName("CreateDeviceGroup")
            .variable("productId", productId)
            .variable("name", "canary")
            .variable("deviceIds", devices.subList(0, 2))
            .execute()
            .path("createDeviceGroup.deviceGroup.id")
            .entity(String.class)
            .get();

    var response =
        graphQl
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "3.0.0")
            .variable("deviceGroupId", groupId)
            .variable("maxInFlight", 5)
            .execute();
    response.errors().verify();
    String jobId = response.path("createOTAJob.job.id").entity(String.class).get();
    response.path("createOTAJob.job.totalDevices").entity(Integer.class).isEqualTo(2);

    RolloutRequest request =
        DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
            0,
            Optional.of(startedEvent("rollout/" + jobId).getInput()),
            RolloutRequest.class,
            RolloutRequest.class);
    assertThat(request.maxInFlight()).isEqualTo(5);
    graphQl
        .documentName("GetOTAJob")
        .variable("id", jobId)
        .execute()
        .path("firmwareOTAJob.deviceGroup.name")
        .entity(String.class)
        .isEqualTo("canary");
  }

  private WorkflowExecutionStartedEventAttributes startedEvent(String workflowId) {
    return workflowClient
        .fetchHistory(workflowId)
        .getHistory()
        .getEvents(0)
        .getWorkflowExecutionStartedEventAttributes();
  }
}
