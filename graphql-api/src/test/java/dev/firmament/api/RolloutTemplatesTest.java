package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Rollout templates: saved in versions, reused by createOTAJob, overridden field by field. */
class RolloutTemplatesTest extends ApiIntegrationTest {
  private static final String PLAN =
      """
      maxInFlight: 4,
      stages: [{name: "canary", count: 1, soakSeconds: 600},
               {name: "rest", percent: 100, requireApproval: true}],
      gate: {maxFailureRate: 0.2, minimumSample: 5, onBreach: ABORT},
      retry: {maxAttempts: 3, initialBackoffSeconds: 30, errorCodes: ["TIMED_OUT"]},
      deviceTimeoutSeconds: 900""";

  @Test
  void aTemplateCreatedRolloutEqualsTheSamePlanGivenInline() {
    String name = unique("careful");
    String first = save(name, PLAN);
    String second = save(name, PLAN.replace("maxAttempts: 3", "maxAttempts: 2"));
    var versions =
        graphQl
            .document(
                "query($n: String) { login { rolloutTemplates(name: $n) { id version"
                    + " plan { retry { maxAttempts } } } } }")
            .variable("n", name)
            .execute();
    versions
        .path("login.rolloutTemplates[*].version")
        .entityList(Integer.class)
        .containsExactly(2, 1);
    versions
        .path("login.rolloutTemplates[*].id")
        .entityList(String.class)
        .containsExactly(second, first);
    versions
        .path("login.rolloutTemplates[*].plan.retry.maxAttempts")
        .entityList(Integer.class)
        .containsExactly(2, 3);

    String fromTemplate = create(productWithFirmware(), "templateId: \"" + first + "\"");
    String inline = create(productWithFirmware(), PLAN);

    assertThat(storedPlan(fromTemplate)).isEqualTo(storedPlan(inline));
    assertThat(maxInFlight(fromTemplate)).isEqualTo(4);

    // A field the input gives wins over the template's.
    String overridden =
        create(productWithFirmware(), "templateId: \"" + first + "\", maxInFlight: 9");
    assertThat(maxInFlight(overridden)).isEqualTo(9);
    assertThat(storedPlan(overridden)).contains("\"canary\"").contains("TIMED_OUT");
  }

  @Test
  void aTemplateIsCheckedLikeAPlanAndAnUnknownOneIsNotFound() {
    String productId = productWithFirmware();
    var before = rowCounts();
    assertRefused(
        graphQl.document(
            "mutation { saveRolloutTemplate(input: {name: \"bad\", retry: {maxAttempts: 1000}})"
                + " { template { id } } }"),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document(
            "mutation { saveRolloutTemplate(input: {name: \""
                + "n".repeat(101)
                + "\"})"
                + " { template { id } } }"),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl
            .document(
                "mutation($p: ID!, $t: ID) { createOTAJob(input: {productId: $p, targetVersion:"
                    + " \"2.0.0\", templateId: $t}) { job { id } } }")
            .variable("p", productId)
            .variable("t", UUID.randomUUID().toString()),
        "NOT_FOUND");
    assertThat(rowCounts()).isEqualTo(before);
  }

  private String save(String name, String plan) {
    return graphQl
        .document(
            "mutation { saveRolloutTemplate(input: {name: \""
                + name
                + "\", "
                + plan
                + "}) { template { id } } }")
        .execute()
        .path("saveRolloutTemplate.template.id")
        .entity(String.class)
        .get();
  }

  private String productWithFirmware() {
    String productId = createProduct();
    registerDevices(productId, unique("tpl"), 2);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    return productId;
  }

  private String create(String productId, String fields) {
    return graphQl
        .document(
            "mutation($p: ID!) { createOTAJob(input: {productId: $p, targetVersion: \"2.0.0\", "
                + fields
                + "}) { job { id } } }")
        .variable("p", productId)
        .execute()
        .path("createOTAJob.job.id")
        .entity(String.class)
        .get();
  }

  private String storedPlan(String jobId) {
    return dsl.select(OTA_JOBS.PLAN)
        .from(OTA_JOBS)
        .where(OTA_JOBS.ID.eq(UUID.fromString(jobId)))
        .fetchOne(OTA_JOBS.PLAN);
  }

  private int maxInFlight(String jobId) {
    return dsl.select(OTA_JOBS.MAX_IN_FLIGHT)
        .from(OTA_JOBS)
        .where(OTA_JOBS.ID.eq(UUID.fromString(jobId)))
        .fetchOne(OTA_JOBS.MAX_IN_FLIGHT);
  }
}
