package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.cli.GraphqlClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * Starting a rollout and waiting for it to get somewhere, as the end-to-end tests do through the
 * API.
 */
final class JobWaits {
  private JobWaits() {}

  /** Creates a rollout from {@code input} ({@code CreateOTAJobInput}) and returns its id. */
  static String create(GraphqlClient api, Map<String, Object> input) {
    return api.execute(
            """
            mutation Create($input: CreateOTAJobInput!) {
              createOTAJob(input: $input) { job { id } }
            }""",
            Map.of("input", input))
        .path("createOTAJob")
        .path("job")
        .path("id")
        .asText();
  }

  /**
   * Polls the rollout (its status, why it paused or stopped, and its stages' names, statuses and
   * successes) until {@code done} holds, for at most 90 seconds; returns what it read last.
   */
  static JsonNode awaitJob(GraphqlClient api, String jobId, Predicate<JsonNode> done) {
    AtomicReference<JsonNode> job = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              job.set(
                  api.execute(
                          "query J($id: ID!) { firmwareOTAJob(id: $id) { status pauseReason"
                              + " stopReason stages { name status succeeded skipped } } }",
                          Map.of("id", jobId))
                      .path("firmwareOTAJob"));
              assertThat(done.test(job.get()))
                  .as("job %s got there: %s", jobId, job.get())
                  .isTrue();
            });
    return job.get();
  }
}
