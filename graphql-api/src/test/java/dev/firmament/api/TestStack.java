package dev.firmament.api;

import dev.firmament.devstack.EmbeddedMqttBroker;
import dev.firmament.devstack.EmbeddedPostgres;
import dev.firmament.devstack.EmbeddedS3;
import dev.firmament.orchestrator.rollout.TaskQueues;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The services the integration tests run against, started once per test JVM: a real PostgreSQL, a
 * real S3 endpoint, a real MQTT 5 broker (device calls go through it to the tests' devices) and
 * Temporal's in-process test service with a stand-in rollout workflow.
 */
final class TestStack {
  static final String BUCKET = "firmament-test";

  private static TestStack instance;

  final EmbeddedPostgres postgres;
  final EmbeddedS3 s3;
  final EmbeddedMqttBroker broker;

  /** Where the S3 endpoint keeps its objects as plain files, one directory per bucket. */
  final Path s3Data;

  final TestWorkflowEnvironment temporal;

  private TestStack() {
    try {
      Path dir = Files.createTempDirectory("firmament-graphql-api-test");
      postgres = EmbeddedPostgres.start(dir.resolve("pg"), 0);
      s3Data = dir.resolve("s3");
      s3 = EmbeddedS3.start(s3Data, 0);
      broker = EmbeddedMqttBroker.start(dir.resolve("mqtt"), 0, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    temporal = TestWorkflowEnvironment.newInstance();
    Worker worker = temporal.newWorker(TaskQueues.ROLLOUT);
    worker.registerWorkflowImplementationTypes(StandInRolloutWorkflow.class);
    temporal.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  temporal.close();
                  broker.close();
                  s3.close();
                  postgres.close();
                }));
  }

  static synchronized TestStack get() {
    if (instance == null) {
      instance = new TestStack();
    }
    return instance;
  }
}
