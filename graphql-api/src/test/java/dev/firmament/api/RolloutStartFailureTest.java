package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.interceptors.WorkflowClientCallsInterceptor;
import io.temporal.common.interceptors.WorkflowClientCallsInterceptorBase;
import io.temporal.common.interceptors.WorkflowClientInterceptorBase;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.bean.override.convention.TestBean;

/**
 * When Temporal refuses the start, createOTAJob answers INTERNAL and the job row is rolled back.
 * The client is real; only its start call fails, as it would with the service unreachable.
 */
class RolloutStartFailureTest extends ApiTestBase {

  @TestBean WorkflowServiceStubs workflowServiceStubs;
  @TestBean WorkflowClient workflowClient;

  static WorkflowServiceStubs workflowServiceStubs() {
    return STACK.temporal.getWorkflowServiceStubs();
  }

  static WorkflowClient workflowClient() {
    return WorkflowClient.newInstance(
        STACK.temporal.getWorkflowServiceStubs(),
        WorkflowClientOptions.newBuilder()
            .setNamespace(STACK.temporal.getNamespace())
            .setInterceptors(
                new WorkflowClientInterceptorBase() {
                  @Override
                  public WorkflowClientCallsInterceptor workflowClientCallsInterceptor(
                      WorkflowClientCallsInterceptor next) {
                    return new WorkflowClientCallsInterceptorBase(next) {
                      @Override
                      public WorkflowStartOutput start(WorkflowStartInput input) {
                        throw new IllegalStateException("orchestrator unavailable");
                      }
                    };
                  }
                })
            .build());
  }

  @Test
  void failedStartLeavesNoJob() {
    String productId = createProduct();
    registerDevices(productId, unique("nostart"), 2);
    uploadFirmware(productId, "5.0.0", "v5".getBytes(StandardCharsets.UTF_8));
    Map<String, Integer> before = rowCounts();

    assertRefused(
        graphQl
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "5.0.0"),
        "INTERNAL");

    assertThat(rowCounts()).isEqualTo(before);
  }
}
