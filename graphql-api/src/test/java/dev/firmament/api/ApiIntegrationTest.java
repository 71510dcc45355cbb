package dev.firmament.api;

import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import org.springframework.test.context.bean.override.convention.TestBean;

/**
 * The production application with Temporal's in-process test service in place of a cluster. Every
 * subclass shares one Spring context.
 */
abstract class ApiIntegrationTest extends ApiTestBase {

  @TestBean WorkflowServiceStubs workflowServiceStubs;
  @TestBean WorkflowClient workflowClient;

  static WorkflowServiceStubs workflowServiceStubs() {
    return STACK.temporal.getWorkflowServiceStubs();
  }

  static WorkflowClient workflowClient() {
    return STACK.temporal.getWorkflowClient();
  }
}
