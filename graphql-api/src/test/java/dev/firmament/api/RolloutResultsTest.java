package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_STAGES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.graphql.test.tester.GraphQlTester;
import org.springframework.graphql.test.tester.HttpGraphQlTester;

/**
 * A job's results as answers: filtered lists and pages, the failure breakdown, the stages' progress
 * history, and the seed's {@code ListOTAJobs} on a rollout larger than one page. Results (and their
 * history, where it matters) are inserted as the workers write them, on a two-stage rollout.
 */
class RolloutResultsTest extends ApiIntegrationTest {
  private static final String RESULTS =
      """
      query($id: ID!, $filter: OTAResultFilter, $from: Int, $size: Int) {
        firmwareOTAJob(id: $id) { results(filter: $filter, from: $from, size: $size) { deviceId } }
      }""";

  private static final String RESULT_PAGE =
      """
      query($id: ID!, $filter: OTAResultFilter, $from: Int, $size: Int, $sort: OTAResultSort) {
        firmwareOTAJob(id: $id) {
          resultPage(filter: $filter, from: $from, size: $size, sort: $sort) {
            total hasMore last items { deviceId state job { id } }
          }
        }
      }""";

  private static final String STAGED_JOB =
      """
      mutation($productId: ID!) {
        createOTAJob(input: {productId: $productId, targetVersion: "2.0.0", stages: [
          {name: "canary", count: 2}, {name: "rest", percent: 100}]}) { job { id } }
      }""";

  private static final OffsetDateTime T0 = OffsetDateTime.parse("2026-06-01T00:00:00Z");

  /** A rollout of six devices (ids in index order): canary d0 d1, then rest d2..d5. */
  private record Seeded(String jobId, List<String> devices, String productId) {
    String d(int i) {
      return devices.get(i);
    }
  }

  /**
   * d0 SUCCEEDED and d1 FAILED (VERIFY_FAILED) in canary; d2 FAILED (VERIFY_FAILED), d3 TIMED_OUT
   * without a code, d4 REJECTED (LOW_BATTERY) and d5 INSTALLING in rest. Updated at minutes 6, 1,
   * 5, 2, 4, 3.
   */
  private Seeded rolloutWithFailures() {
    Seeded r = stagedRollout();
    String jobId = r.jobId();
    List<String> devices = r.devices();
    stage(jobId, 0, "canary", devices.get(0));
    stage(jobId, 1, "rest", devices.get(0));
    result(jobId, devices.get(0), "SUCCEEDED", 0, null, 6);
    result(jobId, devices.get(1), "FAILED", 0, "VERIFY_FAILED", 1);
    result(jobId, devices.get(2), "FAILED", 1, "VERIFY_FAILED", 5);
    result(jobId, devices.get(3), "TIMED_OUT", 1, null, 2);
    result(jobId, devices.get(4), "REJECTED", 1, "LOW_BATTERY", 4);
    result(jobId, devices.get(5), "INSTALLING", 1, null, 3);
    return r;
  }

  /** The two-stage rollout of six devices, created and not started: no stage, no result. */
  private Seeded stagedRollout() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("res"), 6);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String jobId =
        graphQl
            .document(STAGED_JOB)
            .variable("productId", productId)
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();
    return new Seeded(jobId, devices, productId);
  }

  @Test
  void filtersKeepExactlyTheMatchingResults() {
    Seeded r = rolloutWithFailures();

    assertThat(results(r, null)).containsExactly(r.devices().toArray(String[]::new));
    assertThat(results(r, Map.of("states", List.of("FAILED")))).containsExactly(r.d(1), r.d(2));
    assertThat(results(r, Map.of("stages", List.of("canary")))).containsExactly(r.d(0), r.d(1));
    assertThat(
            results(r, Map.of("states", List.of("FAILED", "TIMED_OUT"), "stages", List.of("rest"))))
        .containsExactly(r.d(2), r.d(3));
    assertThat(results(r, Map.of("errorCodes", List.of("VERIFY_FAILED"))))
        .containsExactly(r.d(1), r.d(2));
    assertThat(results(r, Map.of("deviceIds", List.of(r.d(5), r.d(4), "no-such-device"))))
        .containsExactly(r.d(4), r.d(5));
    assertThat(results(r, Map.of("states", List.of()))).isEmpty();
    assertThat(results(r, Map.of("stages", List.of("no-such-stage")))).isEmpty();

    var page =
        graphQl
            .document(RESULT_PAGE)
            .variable("id", r.jobId())
            .variable(
                "filter", Map.of("stages", List.of("rest"), "errorCodes", List.of("LOW_BATTERY")))
            .execute();
    page.path("firmwareOTAJob.resultPage.total").entity(Integer.class).isEqualTo(1);
    page.path("firmwareOTAJob.resultPage.items[*].deviceId")
        .entityList(String.class)
        .containsExactly(r.d(4));

    assertRefused(
        graphQl
            .document(RESULTS)
            .variable("id", r.jobId())
            .variable("filter", Map.of("states", List.of("EXPLODED"))),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl
            .document(RESULT_PAGE)
            .variable("id", r.jobId())
            .variable("filter", Map.of("states", List.of("FAILED", "failed"))),
        "INVALID_ARGUMENT");
  }

  @Test
  void failuresAreCountedByStateErrorCodeAndStage() {
    Seeded r = rolloutWithFailures();

    graphQl
        .document(
            "query($id: ID!) { firmwareOTAJob(id: $id) { failureBreakdown {"
                + " total byState { state count } byErrorCode { errorCode count }"
                + " byStage { stage count } } } }")
        .variable("id", r.jobId())
        .execute()
        .path("firmwareOTAJob.failureBreakdown")
        .matchesJsonStrictly(
            """
            {"total": 4,
             "byState": [{"state": "FAILED", "count": 2}, {"state": "REJECTED", "count": 1},
                         {"state": "TIMED_OUT", "count": 1}],
             "byErrorCode": [{"errorCode": "VERIFY_FAILED", "count": 2},
                             {"errorCode": "LOW_BATTERY", "count": 1},
                             {"errorCode": null, "count": 1}],
             "byStage": [{"stage": "rest", "count": 3}, {"stage": "canary", "count": 1}]}""");

    // A rollout without results breaks nothing down.
    String productId = createProduct();
    registerDevices(productId, unique("quiet"), 1);
    uploadFirmware(productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String quiet =
        graphQl
            .document(STAGED_JOB)
            .variable("productId", productId)
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();
    graphQl
        .document(
            "query($id: ID!) { firmwareOTAJob(id: $id) { failureBreakdown { total byStage { stage } } } }")
        .variable("id", quiet)
        .execute()
        .path("firmwareOTAJob.failureBreakdown")
        .matchesJsonStrictly("{\"total\": 0, \"byStage\": []}");
  }

  private static final String HISTORY =
      """
      query($id: ID!, $points: Int) {
        firmwareOTAJob(id: $id) {
          progressHistory(points: $points) { stage name devices points { at finished } }
        }
      }""";

  /**
   * The finished devices of each recorded stage over time, from the results' history: canary
   * (minute 0 on) d0 finishes at 3, d1 fails at 2, is retried at 4 and succeeds at 6; rest (minute
   * 10 on) d4 is skipped at its start, d2 succeeds at 12, d3 times out at 13 and d5 is still
   * installing (14); the rollback stage (minute 20 on) takes d0 back at 22 while d2's rollback
   * (recorded before rollback stages, so of the only one) is sent at 21. Each state counts from the
   * instant it was recorded, on a point's time included.
   */
  @Test
  void progressHistoryCountsEachStagesFinishedDevicesAtEvenlySpacedPoints() {
    Seeded r = stagedRollout();
    String job = r.jobId();
    stage(job, 0, "canary", "UPDATE", 0, r.d(0));
    stage(job, 1, "rest", "UPDATE", 10, r.d(0));
    stage(job, 2, "rollback", "ROLLBACK", 20, r.d(0));
    moved("UPDATE", job, r.d(0), 0, "QUEUED@0", "SENT@1", "SUCCEEDED@3");
    moved("UPDATE", job, r.d(1), 0, "QUEUED@0", "FAILED@2", "QUEUED@4", "SENT@5", "SUCCEEDED@6");
    moved("UPDATE", job, r.d(2), 1, "QUEUED@0", "SENT@10", "SUCCEEDED@12");
    moved("UPDATE", job, r.d(3), 1, "QUEUED@0", "SENT@10", "TIMED_OUT@13");
    moved("UPDATE", job, r.d(4), 1, "QUEUED@0", "SKIPPED@10");
    moved("UPDATE", job, r.d(5), 1, "QUEUED@0", "SENT@11", "INSTALLING@14");
    moved("ROLLBACK", job, r.d(0), 2, "QUEUED@20", "SUCCEEDED@22");
    moved("ROLLBACK", job, r.d(2), null, "QUEUED@20", "SENT@21");

    var answer = progressHistory(job, 4);
    answer
        .path("firmwareOTAJob.progressHistory[*].stage")
        .entityList(Integer.class)
        .containsExactly(0, 1, 2);
    answer
        .path("firmwareOTAJob.progressHistory[*].name")
        .entityList(String.class)
        .containsExactly("canary", "rest", "rollback");
    answer
        .path("firmwareOTAJob.progressHistory[*].devices")
        .entityList(Integer.class)
        .containsExactly(2, 4, 2);
    // Each stage from its start to its latest move, in three equal parts.
    assertThat(curve(answer, 0)).containsExactly("0:00 0", "2:00 1", "4:00 1", "6:00 2");
    assertThat(curve(answer, 1)).containsExactly("10:00 1", "11:20 1", "12:40 2", "14:00 3");
    assertThat(curve(answer, 2)).containsExactly("20:00 0", "20:40 0", "21:20 0", "22:00 1");

    assertThat(curve(progressHistory(job, 2), 0)).containsExactly("0:00 0", "6:00 2");
    assertThat(curve(progressHistory(job, null), 1)).hasSize(60).endsWith("14:00 3");
    progressHistory(job, 500).errors().verify();
    assertRefused(
        graphQl.document(HISTORY).variable("id", job).variable("points", 1), "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document(HISTORY).variable("id", job).variable("points", 501), "INVALID_ARGUMENT");

    // A stage where nothing moved since its start has its start alone; a rollout that has not
    // started has no stage.
    stage(job, 3, "later", "UPDATE", 30, r.d(0));
    assertThat(curve(progressHistory(job, 4), 3)).containsExactly("30:00 0");
    progressHistory(stagedRollout().jobId(), 4)
        .path("firmwareOTAJob.progressHistory")
        .entityList(Object.class)
        .hasSize(0);
  }

  @Autowired SharedTestBeans.StatementCounter counter;

  /** The histories of a page of rollouts cost one statement. */
  @Test
  void progressHistoriesOfSeveralRolloutsAreReadInOneStatement() {
    Seeded a = rolloutWithFailures();
    Seeded b = rolloutWithFailures();
    String page =
        "query($products: [ID!]) { login { firmwareOTAJobs(filter: {productIds: $products}) {"
            + " items { id %s } } } }";
    String history = "progressHistory { stage points { finished } }";

    int without = statements(page.formatted(""), a, b);
    int with = statements(page.formatted(history), a, b);

    assertThat(with).isEqualTo(without + 1);
  }

  private int statements(String document, Seeded a, Seeded b) {
    var products = List.of(a.productId(), b.productId());
    // Once unmeasured, so that what is cached per credential is the same for both.
    graphQl.document(document).variable("products", products).execute().errors().verify();
    int before = counter.onThisThread();
    graphQl
        .document(document)
        .variable("products", products)
        .execute()
        .path("login.firmwareOTAJobs.items")
        .entityList(Object.class)
        .hasSize(2);
    return counter.onThisThread() - before;
  }

  private GraphQlTester.Response progressHistory(String jobId, Integer points) {
    var response =
        graphQl.document(HISTORY).variable("id", jobId).variable("points", points).execute();
    response.errors().verify();
    return response;
  }

  /** The points of the stage at this position as {@code m:ss finished}, counted from T0. */
  private static List<String> curve(GraphQlTester.Response answer, int position) {
    List<Map<String, Object>> points =
        answer
            .path("firmwareOTAJob.progressHistory[%d].points[*]".formatted(position))
            .entityList(new ParameterizedTypeReference<Map<String, Object>>() {})
            .get();
    return points.stream()
        .map(
            p -> {
              Duration since = Duration.between(T0, OffsetDateTime.parse((String) p.get("at")));
              return "%d:%02d %s"
                  .formatted(since.toMinutes(), since.toSecondsPart(), p.get("finished"));
            })
        .toList();
  }

  /** Pages of several rollouts in one request are read together, each with its own total. */
  @Test
  void pagesOfSeveralRolloutsCountEachRolloutApart() {
    Seeded a = rolloutWithFailures();
    Seeded b = rolloutWithFailures();
    String productB =
        dsl.select(DEVICES.PRODUCT_ID)
            .from(DEVICES)
            .where(DEVICES.ID.eq(b.d(0)))
            .fetchSingle()
            .value1()
            .toString();
    String extra = registerDevices(productB, unique("extra"), 1).getFirst();
    result(b.jobId(), extra, "FAILED", 1, "VERIFY_FAILED", 7);

    var both =
        graphQl
            .document(
                """
                query($a: ID!, $b: ID!) {
                  a: firmwareOTAJob(id: $a) { resultPage(filter: {states: ["FAILED"]}, size: 1) {
                    total hasMore items { deviceId } } }
                  b: firmwareOTAJob(id: $b) { resultPage(filter: {states: ["FAILED"]}, size: 1) {
                    total hasMore items { deviceId } } }
                }""")
            .variable("a", a.jobId())
            .variable("b", b.jobId())
            .execute();
    both.errors().verify();
    both.path("a.resultPage.total").entity(Integer.class).isEqualTo(2);
    both.path("b.resultPage.total").entity(Integer.class).isEqualTo(3);
    both.path("a.resultPage.items[*].deviceId").entityList(String.class).containsExactly(a.d(1));
    // By device id: "extra-..." comes before "res-...".
    both.path("b.resultPage.items[*].deviceId").entityList(String.class).containsExactly(extra);
    both.path("b.resultPage.hasMore").entity(Boolean.class).isEqualTo(true);
  }

  @Test
  void resultPagesFollowThePaginationGuide() {
    Seeded r = rolloutWithFailures();

    var first = page(r, 0, 4, null);
    first.path("firmwareOTAJob.resultPage.total").entity(Integer.class).isEqualTo(6);
    first.path("firmwareOTAJob.resultPage.hasMore").entity(Boolean.class).isEqualTo(true);
    first.path("firmwareOTAJob.resultPage.last").entity(Integer.class).isEqualTo(3);
    first
        .path("firmwareOTAJob.resultPage.items[*].deviceId")
        .entityList(String.class)
        .containsExactly(r.d(0), r.d(1), r.d(2), r.d(3));
    first
        .path("firmwareOTAJob.resultPage.items[*].job.id")
        .entityList(String.class)
        .containsExactly(r.jobId(), r.jobId(), r.jobId(), r.jobId());

    var second = page(r, 4, 4, null);
    second.path("firmwareOTAJob.resultPage.hasMore").entity(Boolean.class).isEqualTo(false);
    second.path("firmwareOTAJob.resultPage.last").entity(Integer.class).isEqualTo(5);
    second
        .path("firmwareOTAJob.resultPage.items[*].deviceId")
        .entityList(String.class)
        .containsExactly(r.d(4), r.d(5));

    var beyond = page(r, 6, 4, null);
    beyond.path("firmwareOTAJob.resultPage.items").entityList(Object.class).hasSize(0);
    beyond.path("firmwareOTAJob.resultPage.last").valueIsNull();
    beyond.path("firmwareOTAJob.resultPage.total").entity(Integer.class).isEqualTo(6);

    page(r, 0, 6, "UPDATED_AT_DESC")
        .path("firmwareOTAJob.resultPage.items[*].deviceId")
        .entityList(String.class)
        .containsExactly(r.d(0), r.d(2), r.d(4), r.d(5), r.d(3), r.d(1));
    graphQl
        .document(RESULTS)
        .variable("id", r.jobId())
        .variable("from", 2)
        .variable("size", 3)
        .execute()
        .path("firmwareOTAJob.results[*].deviceId")
        .entityList(String.class)
        .containsExactly(r.d(2), r.d(3), r.d(4));

    page(r, 0, 1000, null).errors().verify();
    assertRefused(pageRequest(r, 0, 1001, null), "INVALID_ARGUMENT");
    assertRefused(pageRequest(r, -1, 10, null), "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document(RESULTS).variable("id", r.jobId()).variable("size", 1001),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document(RESULTS).variable("id", r.jobId()).variable("from", -1),
        "INVALID_ARGUMENT");
  }

  /**
   * The seed's query names no page, so {@code results} answers all of a job's results up to one
   * page's worth (1000), and refuses a larger job with its total instead of cutting it silently.
   */
  @Test
  void listOtaJobsVerbatimAnswersEveryResultUpToTheCapAndRefusesBeyond() {
    // An organization of its own, so that a thousand devices do not crowd the shared one.
    HttpGraphQlTester owner = as(tokenFor(unique("large"), Role.OWNER));
    String productId = createProduct(owner);
    String prefix = unique("big");
    String first = registerDevices(owner, productId, prefix, 1).getFirst();
    uploadFirmware(owner, productId, "2.0.0", unique("v2").getBytes(StandardCharsets.UTF_8));
    String jobId =
        owner
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "2.0.0")
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();
    addDevicesWithResults(jobId, first, prefix + "-bulk", 1, 999);

    var all = owner.documentName("ListOTAJobs").variable("productId", productId).execute();
    all.errors().verify();
    List<String> ids =
        all.path("product.firmwareOTAJobs[0].results[*].deviceId").entityList(String.class).get();
    assertThat(ids).hasSize(1000).doesNotHaveDuplicates().isSorted();

    addDevicesWithResults(jobId, first, prefix + "-bulk", 1000, 1);
    var refused = owner.documentName("ListOTAJobs").variable("productId", productId).execute();
    refused
        .errors()
        .satisfy(
            errors ->
                assertThat(errors)
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getExtensions()).containsEntry("code", "INVALID_ARGUMENT");
                          assertThat(e.getMessage())
                              .contains("has 1001 results")
                              .contains("resultPage(from:, size:)")
                              .contains("results(from:, size:)")
                              .doesNotContain("Exception");
                          assertThat(e.getPath()).isEqualTo("product.firmwareOTAJobs[0].results");
                        }));
    refused.path("product").valueIsNull();

    // From the second result on, the rest fits one answer; an explicit size is a page as before.
    owner
        .document(RESULTS)
        .variable("id", jobId)
        .variable("from", 1)
        .execute()
        .path("firmwareOTAJob.results")
        .entityList(Object.class)
        .hasSize(1000);
    owner
        .document(RESULTS)
        .variable("id", jobId)
        .variable("size", 5)
        .execute()
        .path("firmwareOTAJob.results")
        .entityList(Object.class)
        .hasSize(5);
    owner
        .document(RESULT_PAGE)
        .variable("id", jobId)
        .variable("from", 1000)
        .execute()
        .path("firmwareOTAJob.resultPage.total")
        .entity(Integer.class)
        .isEqualTo(1001);
  }

  private List<String> results(Seeded r, Map<String, Object> filter) {
    return graphQl
        .document(RESULTS)
        .variable("id", r.jobId())
        .variable("filter", filter)
        .execute()
        .path("firmwareOTAJob.results[*].deviceId")
        .entityList(String.class)
        .get();
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Request<?> pageRequest(
      Seeded r, int from, int size, String sort) {
    return graphQl
        .document(RESULT_PAGE)
        .variable("id", r.jobId())
        .variable("from", from)
        .variable("size", size)
        .variable("sort", sort);
  }

  private org.springframework.graphql.test.tester.GraphQlTester.Response page(
      Seeded r, int from, int size, String sort) {
    var response = pageRequest(r, from, size, sort).execute();
    response.errors().verify();
    return response;
  }

  /** An update stage's row as the stage workflow writes it when the stage starts, at T0. */
  private void stage(String jobId, int index, String name, String anyDevice) {
    stage(jobId, index, name, "UPDATE", 0, anyDevice);
  }

  /** An {@code ota_stages} row as the stage workflow writes it when the stage starts. */
  private void stage(
      String jobId, int index, String name, String kind, int startMinute, String anyDevice) {
    dsl.insertInto(OTA_STAGES)
        .set(OTA_STAGES.ORGANIZATION_ID, organizationOf(anyDevice))
        .set(OTA_STAGES.JOB_ID, UUID.fromString(jobId))
        .set(OTA_STAGES.STAGE_INDEX, index)
        .set(OTA_STAGES.NAME, name)
        .set(OTA_STAGES.KIND, kind)
        .set(OTA_STAGES.STATUS, "RUNNING")
        .set(OTA_STAGES.CREATED_AT, T0.plusMinutes(startMinute))
        .execute();
  }

  /**
   * A result that went through {@code moves} ({@code STATE@minute}, oldest first) in {@code phase}:
   * its row (the update's in {@code stage}, or a rollback result in rollback stage {@code stage})
   * in the last state, and a history row for each move.
   */
  private void moved(String phase, String jobId, String deviceId, Integer stage, String... moves) {
    String[] last = moves[moves.length - 1].split("@");
    if (phase.equals("UPDATE")) {
      result(jobId, deviceId, last[0], stage, null, Integer.parseInt(last[1]));
    } else {
      rollback(jobId, deviceId, last[0], stage);
    }
    for (String move : moves) {
      String[] m = move.split("@");
      history(jobId, deviceId, phase, m[0], T0.plusMinutes(Integer.parseInt(m[1])));
    }
  }

  private void result(
      String jobId, String deviceId, String state, int stage, String errorCode, int minute) {
    dsl.insertInto(OTA_RESULTS)
        .set(OTA_RESULTS.ORGANIZATION_ID, organizationOf(deviceId))
        .set(OTA_RESULTS.JOB_ID, UUID.fromString(jobId))
        .set(OTA_RESULTS.DEVICE_ID, deviceId)
        .set(OTA_RESULTS.STATE, state)
        .set(OTA_RESULTS.STAGE, stage)
        .set(OTA_RESULTS.ERROR_CODE, errorCode)
        .set(OTA_RESULTS.UPDATED_AT, T0.plusMinutes(minute))
        .execute();
  }

  /**
   * Devices {@code prefix-NNNN} for n in [from, from + count), in the product of {@code sibling},
   * each with a SUCCEEDED result in the job, written in two statements.
   */
  private void addDevicesWithResults(
      String jobId, String sibling, String prefix, int from, int count) {
    dsl.execute(
        "insert into devices (id, organization_id, product_id, name, firmware_version)"
            + " select cast(? as varchar) || '-' || lpad(n::text, 4, '0'), organization_id,"
            + " product_id, 'bulk ' || n, '1.0.0'"
            + " from devices, generate_series(cast(? as int), cast(? as int)) n where id = ?",
        prefix,
        from,
        from + count - 1,
        sibling);
    dsl.execute(
        "insert into ota_results (organization_id, job_id, device_id, state)"
            + " select organization_id, cast(? as uuid), id, 'SUCCEEDED' from devices"
            + " where product_id = (select product_id from devices where id = ?)"
            + " and not exists (select 1 from ota_results r where r.job_id = ? and r.device_id = devices.id)",
        UUID.fromString(jobId),
        sibling,
        UUID.fromString(jobId));
  }
}
