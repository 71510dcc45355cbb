package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.graphql.test.tester.HttpGraphQlTester;

/**
 * What a rollout was created with ({@code FirmwareOTAJob.plan}), the organization's rollouts across
 * products, and a device's updates across rollouts.
 */
class RolloutReadsTest extends ApiIntegrationTest {
  private static final String STAGED =
      """
      mutation($productId: ID!) {
        createOTAJob(input: {
          productId: $productId, targetVersion: "2.0.0", maxInFlight: 7,
          stages: [
            {name: "canary", group: "canary", soakSeconds: 3600},
            {name: "wave", percent: 25, maxInFlight: 50,
             rate: {perMinute: 30, factor: 2.0, raiseAfterSuccesses: 5, maxPerMinute: 240},
             requireApproval: true},
            {name: "tail", count: 40},
            {name: "rest", percent: 100,
             gate: {maxFailureRate: 0.0, minimumSample: 1, onBreach: ROLLBACK}}
          ],
          gate: {countedFailures: [TIMED_OUT, FAILED], maxFailureRate: 0.1, minimumSample: 20,
                 minSuccessRate: 0.9, onBreach: ABORT},
          retry: {maxAttempts: 3, initialBackoffSeconds: 60, errorCodes: ["TIMED_OUT", "E_IO"]},
          maintenanceWindow: {cron: "0 0 2 * * *", durationMinutes: 120, zone: "Europe/Berlin"},
          startAt: "START_AT",
          requireApproval: true,
          expiresAfterSeconds: 86400,
          rollbackStages: [
            {name: "back-canary", group: "canary", maxInFlight: 2,
             gate: {maxFailureRate: 0.5, onBreach: ABORT}},
            {name: "back-rest", percent: 100, rate: {perMinute: 60}, requireApproval: true}
          ]
        }) { job { id } }
      }""";

  /** The gate of a stage created without one: it never breaches. */
  private static final String PERMISSIVE =
      """
      {"countedFailures": ["FAILED", "TIMED_OUT", "REJECTED", "ROLLED_BACK"],
       "maxFailureRate": 1.0, "minimumSample": 0, "minSuccessRate": 0.0, "onBreach": "PAUSE"}""";

  private static final String PLAN =
      """
      query($id: ID!) { firmwareOTAJob(id: $id) { plan {
        stored
        stages { name selectionKind group percent count maxInFlight
                 rate { perMinute factor raiseAfterSuccesses maxPerMinute } soakSeconds
                 gate { countedFailures maxFailureRate minimumSample minSuccessRate onBreach }
                 requireApproval }
        retry { maxAttempts initialBackoffSeconds backoffFactor maxBackoffSeconds jitter errorCodes }
        maintenanceWindow { cron durationMinutes zone }
        startAt requireApproval
        rollbackStages { name selectionKind group percent count maxInFlight
                         rate { perMinute factor raiseAfterSuccesses maxPerMinute } soakSeconds
                         gate { countedFailures maxFailureRate minimumSample minSuccessRate onBreach }
                         requireApproval }
        expiresAfterSeconds } } }""";

  private static final String LOGIN_JOBS =
      """
      query($filter: FirmwareOTAJobFilter, $from: Int, $size: Int) {
        login { firmwareOTAJobs(filter: $filter, from: $from, size: $size) {
          total hasMore last items { id status product { id } } } }
      }""";

  private static final String UPDATES =
      """
      query($id: ID!, $from: Int, $size: Int) {
        device(id: $id) { updates(from: $from, size: $size) {
          total hasMore last items { deviceId state job { id targetVersion } } } }
      }""";

  private static final OffsetDateTime T0 = OffsetDateTime.parse("2026-05-01T00:00:00Z");

  /** A scheduled start within the plan's horizon, to the second. */
  private static final String START_AT =
      java.time.Instant.now()
          .plus(java.time.Duration.ofDays(30))
          .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
          .toString();

  private static final String HEALTH_GATED =
      """
      mutation($productId: ID!, $startAt: DateTime!, $health: RolloutHealthInput!, $soak: Int) {
        createOTAJob(input: {
          productId: $productId, targetVersion: "2.0.0", startAt: $startAt,
          stages: [{name: "canary", count: 1, soakSeconds: $soak,
                    gate: {maxFailureRate: 1.0, onBreach: PAUSE, health: $health}}]
        }) { job { id } }
      }""";

  @Test
  void aStagesHealthGateIsKeptWithItsDefaultsAndBadOnesAreRefused() {
    String productId = createProduct();
    registerDevices(productId, unique("health"), 2);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String jobId =
        graphQl
            .document(HEALTH_GATED)
            .variable("productId", productId)
            .variable("startAt", START_AT)
            .variable("soak", 600)
            .variable(
                "health",
                java.util.Map.of(
                    "resetThreshold", 2, "diagnostic", "heap.failures", "diagnosticThreshold", 5))
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();
    graphQl
        .document(
            "query($id: ID!) { firmwareOTAJob(id: $id) { plan { stages { gate { health {"
                + " resetThreshold reconnectThreshold diagnostic diagnosticThreshold maxExcess"
                + " minimumUpdated checkEverySeconds } } } } } }")
        .variable("id", jobId)
        .execute()
        .path("firmwareOTAJob.plan.stages[0].gate.health")
        .matchesJsonStrictly(
            """
            {"resetThreshold": 2, "reconnectThreshold": 0, "diagnostic": "heap.failures",
             "diagnosticThreshold": 5.0, "maxExcess": 0.1, "minimumUpdated": 1,
             "checkEverySeconds": 30}""");

    record Bad(java.util.Map<String, Object> health, Integer soak, String message) {}
    for (Bad bad :
        List.of(
            new Bad(java.util.Map.of("resetThreshold", 2), null, "needs a soak"),
            new Bad(java.util.Map.of("maxExcess", 0.5), 600, "needs a signal"),
            new Bad(java.util.Map.of("diagnostic", "heap"), 600, "diagnosticThreshold is required"),
            new Bad(
                java.util.Map.of("diagnostic", "bad name", "diagnosticThreshold", 1),
                600,
                "diagnostic must be"),
            new Bad(java.util.Map.of("resetThreshold", 1, "maxExcess", 2), 600, "maxExcess"),
            new Bad(
                java.util.Map.of("resetThreshold", 1, "checkEverySeconds", 0), 600, "checkEvery"),
            new Bad(java.util.Map.of("resetThreshold", -1), 600, "negative"))) {
      var refused =
          graphQl
              .document(HEALTH_GATED)
              .variable("productId", productId)
              .variable("startAt", START_AT)
              .variable("soak", bad.soak())
              .variable("health", bad.health())
              .execute();
      refused
          .errors()
          .satisfy(
              errors ->
                  assertThat(errors)
                      .as(bad.message())
                      .singleElement()
                      .satisfies(
                          e -> {
                            assertThat(e.getExtensions()).containsEntry("code", "INVALID_ARGUMENT");
                            assertThat(e.getMessage()).contains(bad.message());
                          }));
    }
  }

  @Test
  void thePlanAnswersWhatTheRolloutWasCreatedWith() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("plan"), 2);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    createGroup(productId, "canary", devices.subList(0, 1));
    String jobId =
        graphQl
            .document(STAGED.replace("START_AT", START_AT))
            .variable("productId", productId)
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();

    // The input, with what it left out filled in as createOTAJob documents it: the job's
    // maxInFlight, the job's gate, no rate, no soak, and the retry defaults.
    String defaultGate =
        """
        {"countedFailures": ["FAILED", "TIMED_OUT"], "maxFailureRate": 0.1, "minimumSample": 20,
         "minSuccessRate": 0.9, "onBreach": "ABORT"}""";
    graphQl
        .document(PLAN)
        .variable("id", jobId)
        .execute()
        .path("firmwareOTAJob.plan")
        .matchesJsonStrictly(
            """
            {"stored": true,
             "stages": [
               {"name": "canary", "selectionKind": "GROUP", "group": "canary", "percent": null,
                "count": null, "maxInFlight": 7, "rate": null, "soakSeconds": 3600,
                "gate": %1$s, "requireApproval": false},
               {"name": "wave", "selectionKind": "PERCENT", "group": null, "percent": 25,
                "count": null, "maxInFlight": 50,
                "rate": {"perMinute": 30, "factor": 2.0, "raiseAfterSuccesses": 5,
                         "maxPerMinute": 240},
                "soakSeconds": 0, "gate": %1$s, "requireApproval": true},
               {"name": "tail", "selectionKind": "COUNT", "group": null, "percent": null,
                "count": 40, "maxInFlight": 7, "rate": null, "soakSeconds": 0,
                "gate": %1$s, "requireApproval": false},
               {"name": "rest", "selectionKind": "PERCENT", "group": null, "percent": 100,
                "count": null, "maxInFlight": 7, "rate": null, "soakSeconds": 0,
                "gate": {"countedFailures": ["FAILED", "TIMED_OUT", "REJECTED", "ROLLED_BACK"],
                         "maxFailureRate": 0.0, "minimumSample": 1, "minSuccessRate": 0.0,
                         "onBreach": "ROLLBACK"},
                "requireApproval": false}],
             "retry": {"maxAttempts": 3, "initialBackoffSeconds": 60, "backoffFactor": 2.0,
                       "maxBackoffSeconds": 600, "jitter": 0.2,
                       "errorCodes": ["E_IO", "TIMED_OUT"]},
             "maintenanceWindow": {"cron": "0 0 2 * * *", "durationMinutes": 120,
                                   "zone": "Europe/Berlin"},
             "startAt": "START_AT",
             "requireApproval": true,
             "rollbackStages": [
               {"name": "back-canary", "selectionKind": "GROUP", "group": "canary",
                "percent": null, "count": null, "maxInFlight": 2, "rate": null, "soakSeconds": 0,
                "gate": {"countedFailures": ["FAILED", "TIMED_OUT", "REJECTED", "ROLLED_BACK"],
                         "maxFailureRate": 0.5, "minimumSample": 0, "minSuccessRate": 0.0,
                         "onBreach": "ABORT"},
                "requireApproval": false},
               {"name": "back-rest", "selectionKind": "PERCENT", "group": null, "percent": 100,
                "count": null, "maxInFlight": 7,
                "rate": {"perMinute": 60, "factor": 2.0, "raiseAfterSuccesses": 10,
                         "maxPerMinute": 60},
                "soakSeconds": 0, "gate": %2$s, "requireApproval": true}],
             "expiresAfterSeconds": 86400}"""
                .formatted(defaultGate, PERMISSIVE)
                .replace("START_AT", START_AT));
  }

  @Test
  void aJobFromBeforeStoredPlansAnswersWhatItsRowSays() {
    String productId = createProduct();
    registerDevices(productId, unique("legacy"), 2);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String jobId =
        graphQl
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "2.0.0")
            .variable("maxInFlight", 5)
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();
    dsl.update(OTA_JOBS)
        .setNull(OTA_JOBS.PLAN)
        .where(OTA_JOBS.ID.eq(UUID.fromString(jobId)))
        .execute();

    graphQl
        .document(PLAN)
        .variable("id", jobId)
        .execute()
        .path("firmwareOTAJob.plan")
        .matchesJsonStrictly(
            """
            {"stored": false,
             "stages": [
               {"name": "all", "selectionKind": "PERCENT", "group": null, "percent": 100,
                "count": null, "maxInFlight": 5, "rate": null, "soakSeconds": 0,
                "gate": {"countedFailures": ["FAILED", "TIMED_OUT", "REJECTED", "ROLLED_BACK"],
                         "maxFailureRate": 1.0, "minimumSample": 0, "minSuccessRate": 0.0,
                         "onBreach": "PAUSE"},
                "requireApproval": false}],
             "retry": {"maxAttempts": 1, "initialBackoffSeconds": 0, "backoffFactor": 1.0,
                       "maxBackoffSeconds": 0, "jitter": 0.0, "errorCodes": []},
             "maintenanceWindow": null, "startAt": null, "requireApproval": false,
             "rollbackStages": [
               {"name": "rollback", "selectionKind": "PERCENT", "group": null, "percent": 100,
                "count": null, "maxInFlight": 5, "rate": null, "soakSeconds": 0,
                "gate": %s, "requireApproval": false}],
             "expiresAfterSeconds": null}"""
                .formatted(PERMISSIVE));
  }

  @Test
  void theOrganizationsRolloutsAcrossProductsNewestFirst() {
    // An organization of its own, so that the totals are exactly this test's rollouts.
    HttpGraphQlTester owner = as(tokenFor(unique("fleet"), Role.OWNER));
    String a = productWithFirmware(owner, "a");
    String b = productWithFirmware(owner, "b");
    String a1 = job(owner, a, 0, "SUCCEEDED");
    String b1 = job(owner, b, 1, "RUNNING");
    String a2 = job(owner, a, 2, "FAILED");

    var all = owner.document(LOGIN_JOBS).execute();
    all.path("login.firmwareOTAJobs.total").entity(Integer.class).isEqualTo(3);
    all.path("login.firmwareOTAJobs.items[*].id")
        .entityList(String.class)
        .containsExactly(a2, b1, a1);
    all.path("login.firmwareOTAJobs.items[*].product.id")
        .entityList(String.class)
        .containsExactly(a, b, a);
    assertThat(loginJobs(owner, Map.of("statuses", List.of("RUNNING", "FAILED"))))
        .containsExactly(a2, b1);
    assertThat(loginJobs(owner, Map.of("productIds", List.of(a)))).containsExactly(a2, a1);
    assertThat(
            loginJobs(owner, Map.of("productIds", List.of(a, b), "statuses", List.of("SUCCEEDED"))))
        .containsExactly(a1);
    assertThat(loginJobs(owner, Map.of("productIds", List.of("not-a-product")))).isEmpty();
    assertThat(loginJobs(owner, Map.of("statuses", List.of()))).isEmpty();

    var firstPage = owner.document(LOGIN_JOBS).variable("size", 2).execute();
    firstPage.path("login.firmwareOTAJobs.hasMore").entity(Boolean.class).isEqualTo(true);
    firstPage.path("login.firmwareOTAJobs.last").entity(Integer.class).isEqualTo(1);
    var lastPage = owner.document(LOGIN_JOBS).variable("from", 2).variable("size", 2).execute();
    lastPage.path("login.firmwareOTAJobs.items[*].id").entityList(String.class).containsExactly(a1);
    lastPage.path("login.firmwareOTAJobs.hasMore").entity(Boolean.class).isEqualTo(false);
    lastPage.path("login.firmwareOTAJobs.last").entity(Integer.class).isEqualTo(2);

    assertRefused(
        owner.document(LOGIN_JOBS).variable("filter", Map.of("statuses", List.of("DONE"))),
        "INVALID_ARGUMENT");
    assertRefused(owner.document(LOGIN_JOBS).variable("size", 1001), "INVALID_ARGUMENT");
    assertRefused(owner.document(LOGIN_JOBS).variable("from", -1), "INVALID_ARGUMENT");

    // Per product: the seed's query verbatim, and the statuses argument across products at once.
    owner
        .documentName("ListOTAJobs")
        .variable("productId", a)
        .execute()
        .path("product.firmwareOTAJobs[*].id")
        .entityList(String.class)
        .containsExactly(a2, a1);
    var perProduct =
        owner
            .document(
                "{ login { products(size: 1000) { items { id firmwareOTAJobs(statuses: [\"FAILED\","
                    + " \"RUNNING\"]) { id } } } } }")
            .execute();
    List<Map<String, Object>> products =
        perProduct
            .path("login.products.items")
            .entityList(
                new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() {})
            .get();
    assertThat(products)
        .extracting(p -> p.get("id"), p -> p.get("firmwareOTAJobs"))
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(a, List.of(Map.of("id", a2))),
            org.assertj.core.groups.Tuple.tuple(b, List.of(Map.of("id", b1))));
    assertRefused(
        owner
            .document(
                "query($p: ID!) { product(id: $p) { firmwareOTAJobs(statuses: [\"NOPE\"]) { id } } }")
            .variable("p", a),
        "INVALID_ARGUMENT");
  }

  @Test
  void aRolloutThatStoppedEarlySaysWhyAndARunningOneDoesNot() {
    String productId = createProduct();
    registerDevices(productId, unique("why"), 1);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String stopped = job(graphQl, productId, "2.0.0", 0, "ABORTED");
    String running = job(graphQl, productId, "2.0.0", 1, "RUNNING");
    String reason =
        "stage 0 (canary): gate breached, failures 2 of 2 finished (max rate 0.0, min success 0.0); aborted";
    detail(stopped, reason);
    detail(running, "stage 1 (rest)");

    for (var expected : java.util.Map.of(stopped, reason, running, "").entrySet()) {
      var answer =
          graphQl
              .document("query($id: ID!) { firmwareOTAJob(id: $id) { stopReason } }")
              .variable("id", expected.getKey())
              .execute();
      if (expected.getValue().isEmpty()) {
        answer.path("firmwareOTAJob.stopReason").valueIsNull();
      } else {
        answer
            .path("firmwareOTAJob.stopReason")
            .entity(String.class)
            .isEqualTo(expected.getValue());
      }
    }
  }

  @Test
  void aRolledBackDeviceIsNeverASuccessAndItsHistorySaysWhichPhase() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("phase"), 3);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String job = job(graphQl, productId, "2.0.0", 0, "ROLLED_BACK");
    String back = devices.get(0);
    String failedBack = devices.get(1);
    String kept = devices.get(2);
    for (String device : devices) {
      result(job, device, "SUCCEEDED");
      history(job, device, "UPDATE", "SUCCEEDED");
    }
    rollback(job, back, "SUCCEEDED");
    history(job, back, "ROLLBACK", "SUCCEEDED");
    rollback(job, failedBack, "FAILED");
    history(job, failedBack, "ROLLBACK", "FAILED");

    var answer =
        graphQl
            .document(
                """
                query($id: ID!) { firmwareOTAJob(id: $id) { results {
                  deviceId success state phase
                  rollback { toVersion state }
                  history { phase state } } } }""")
            .variable("id", job)
            .execute();
    answer.errors().verify();
    String at = "firmwareOTAJob.results[?(@.deviceId == '%s')].";
    answer.path(at.formatted(back) + "success").entityList(Boolean.class).containsExactly(false);
    answer.path(at.formatted(back) + "state").entityList(String.class).containsExactly("SUCCEEDED");
    answer.path(at.formatted(back) + "phase").entityList(String.class).containsExactly("ROLLBACK");
    answer
        .path(at.formatted(back) + "rollback.toVersion")
        .entityList(String.class)
        .containsExactly("1.0.0");
    answer
        .path(at.formatted(back) + "history[*].phase")
        .entityList(String.class)
        .containsExactly("UPDATE", "ROLLBACK");
    // The rollback did not reach the device: it still runs the target version.
    answer
        .path(at.formatted(failedBack) + "success")
        .entityList(Boolean.class)
        .containsExactly(true);
    answer.path(at.formatted(kept) + "success").entityList(Boolean.class).containsExactly(true);
    answer.path(at.formatted(kept) + "phase").entityList(String.class).containsExactly("UPDATE");
  }

  @Autowired SharedTestBeans.StatementCounter counter;

  /**
   * A page of results knows which of its devices were taken back, so success and phase look the
   * rollbacks up only where there are some: the page of a rollout without rollbacks is the rollout
   * and its results (no count either, as they fit one answer), that of a rolled-back one more.
   */
  @Test
  void rollbacksAreLookedUpOnlyForPagesThatHaveThem() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("lookup"), 3);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String plain = job(graphQl, productId, "2.0.0", 0, "SUCCEEDED");
    String back = job(graphQl, productId, "2.0.0", 1, "ROLLED_BACK");
    for (String device : devices) {
      result(plain, device, "SUCCEEDED");
      result(back, device, "SUCCEEDED");
    }
    rollback(back, devices.get(0), "SUCCEEDED");

    int withoutRollbacks = resultStatements(plain, List.of("UPDATE", "UPDATE", "UPDATE"));
    int withRollbacks = resultStatements(back, List.of("ROLLBACK", "UPDATE", "UPDATE"));
    assertThat(withoutRollbacks).isEqualTo(2);
    assertThat(withRollbacks).isGreaterThan(withoutRollbacks);
  }

  private int resultStatements(String job, List<String> phases) {
    String document =
        "query($id: ID!) { firmwareOTAJob(id: $id) { results { deviceId success phase } } }";
    // Once unmeasured, so that what is cached per credential is the same for both.
    graphQl.document(document).variable("id", job).execute().errors().verify();
    int before = counter.onThisThread();
    graphQl
        .document(document)
        .variable("id", job)
        .execute()
        .path("firmwareOTAJob.results[*].phase")
        .entityList(String.class)
        .containsExactly(phases.toArray(String[]::new));
    return counter.onThisThread() - before;
  }

  @Test
  void aDevicesUpdatesAreEveryRolloutItTookPartInNewestFirst() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("upd"), 2);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    uploadFirmware(productId, "3.0.0", unique("v3").getBytes(StandardCharsets.UTF_8));
    String j1 = job(graphQl, productId, "2.0.0", 0, "FAILED");
    String j2 = job(graphQl, productId, "3.0.0", 2, "RUNNING");
    String j3 = job(graphQl, productId, "2.0.0", 1, "SUCCEEDED");
    String d = devices.get(0);
    result(j1, d, "FAILED");
    result(j2, d, "INSTALLING");
    result(j3, d, "SUCCEEDED");
    result(j2, devices.get(1), "SUCCEEDED");

    var all = graphQl.document(UPDATES).variable("id", d).execute();
    all.path("device.updates.total").entity(Integer.class).isEqualTo(3);
    all.path("device.updates.hasMore").entity(Boolean.class).isEqualTo(false);
    all.path("device.updates.items[*].job.id").entityList(String.class).containsExactly(j2, j3, j1);
    all.path("device.updates.items[*].state")
        .entityList(String.class)
        .containsExactly("INSTALLING", "SUCCEEDED", "FAILED");
    all.path("device.updates.items[*].job.targetVersion")
        .entityList(String.class)
        .containsExactly("3.0.0", "2.0.0", "2.0.0");
    all.path("device.updates.items[*].deviceId").entityList(String.class).containsExactly(d, d, d);

    var second =
        graphQl
            .document(UPDATES)
            .variable("id", d)
            .variable("from", 1)
            .variable("size", 1)
            .execute();
    second.path("device.updates.items[*].job.id").entityList(String.class).containsExactly(j3);
    second.path("device.updates.hasMore").entity(Boolean.class).isEqualTo(true);
    second.path("device.updates.last").entity(Integer.class).isEqualTo(1);

    // Several devices in one request: each gets its own updates.
    graphQl
        .document(
            "query($p: ID!) { product(id: $p) { devices { id updates { total items { job { id } } } } } }")
        .variable("p", productId)
        .execute()
        .path("product.devices")
        .matchesJsonStrictly(
            """
            [{"id": "%s", "updates": {"total": 3, "items": [{"job": {"id": "%s"}},
              {"job": {"id": "%s"}}, {"job": {"id": "%s"}}]}},
             {"id": "%s", "updates": {"total": 1, "items": [{"job": {"id": "%s"}}]}}]"""
                .formatted(d, j2, j3, j1, devices.get(1), j2));

    assertRefused(
        graphQl.document(UPDATES).variable("id", d).variable("size", 1001), "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document(UPDATES).variable("id", d).variable("from", -1), "INVALID_ARGUMENT");
  }

  private List<String> loginJobs(HttpGraphQlTester owner, Map<String, Object> filter) {
    return owner
        .document(LOGIN_JOBS)
        .variable("filter", filter)
        .execute()
        .path("login.firmwareOTAJobs.items[*].id")
        .entityList(String.class)
        .get();
  }

  private String productWithFirmware(HttpGraphQlTester owner, String name) {
    String productId = createProduct(owner);
    registerDevices(owner, productId, unique(name), 1);
    uploadFirmware(owner, productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    return productId;
  }

  private String job(HttpGraphQlTester owner, String productId, int minute, String status) {
    return job(owner, productId, "2.0.0", minute, status);
  }

  /** A rollout created at {@code T0 + minute}, moved to {@code status} as the workflow would. */
  private String job(
      HttpGraphQlTester owner, String productId, String version, int minute, String status) {
    String jobId =
        besideOpenRollouts(
            productId,
            () ->
                owner
                    .documentName("CreateOTAJob")
                    .variable("productId", productId)
                    .variable("targetVersion", version)
                    .execute()
                    .path("createOTAJob.job.id")
                    .entity(String.class)
                    .get());
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.CREATED_AT, T0.plusMinutes(minute))
        .set(OTA_JOBS.STATUS, status)
        .where(OTA_JOBS.ID.eq(UUID.fromString(jobId)))
        .execute();
    return jobId;
  }

  private void result(String jobId, String deviceId, String state) {
    dsl.insertInto(OTA_RESULTS)
        .set(
            OTA_RESULTS.ORGANIZATION_ID,
            dsl.select(DEVICES.ORGANIZATION_ID).from(DEVICES).where(DEVICES.ID.eq(deviceId)))
        .set(OTA_RESULTS.JOB_ID, UUID.fromString(jobId))
        .set(OTA_RESULTS.DEVICE_ID, deviceId)
        .set(OTA_RESULTS.STATE, state)
        .execute();
  }

  private void detail(String jobId, String detail) {
    dsl.update(OTA_JOBS)
        .set(OTA_JOBS.STATUS_DETAIL, detail)
        .where(OTA_JOBS.ID.eq(UUID.fromString(jobId)))
        .execute();
  }
}
