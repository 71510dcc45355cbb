package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.API_TOKENS;
import static dev.firmament.sql.generated.Tables.CUSTOMERS;
import static dev.firmament.sql.generated.Tables.CUSTOMER_DEVICE_MAPPINGS;
import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_GROUPS;
import static dev.firmament.sql.generated.Tables.DEVICE_GROUP_MEMBERS;
import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.OAUTH2_CLIENTS;
import static dev.firmament.sql.generated.Tables.OAUTH2_TOKENS;
import static dev.firmament.sql.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.OTA_RESULT_HISTORY;
import static dev.firmament.sql.generated.Tables.OTA_ROLLBACK_RESULTS;
import static dev.firmament.sql.generated.Tables.PRODUCTS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static dev.firmament.sql.generated.Tables.TEAMS;
import static dev.firmament.sql.generated.Tables.TEAM_MEMBERS;
import static dev.firmament.sql.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.access.AccessBootstrap;
import dev.firmament.api.caller.Role;
import dev.firmament.api.config.GraphqlApiApplication;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.graphql.test.autoconfigure.tester.AutoConfigureHttpGraphQlTester;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.graphql.test.tester.GraphQlTester;
import org.springframework.graphql.test.tester.HttpGraphQlTester;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The production application on real PostgreSQL and S3, with Temporal's test service in place of a
 * cluster. Every subclass shares one Spring context; tests isolate themselves by creating their own
 * products instead of cleaning up.
 */
// The rate limit stays out of the way of the suite; RateLimitTest lowers it in a context of its
// own.
@SpringBootTest(
    classes = GraphqlApiApplication.class,
    properties = {
      "firmament.api.rate-limit.requests-per-second=100000",
      "firmament.api.rate-limit.burst=100000"
    })
@AutoConfigureMockMvc
@AutoConfigureHttpGraphQlTester
@Import(SharedTestBeans.class)
abstract class ApiTestBase {
  static final TestStack STACK = TestStack.get();
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  /** The organization the tests act for, and its owner's token (one for the test JVM). */
  static final String TEST_ORGANIZATION = "test";

  private static String ownerToken;

  /** The key pair audit checkpoints are signed with in the tests. */
  static final dev.firmament.manifest.SigningKeys AUDIT_KEYS =
      dev.firmament.manifest.SigningKeys.generate();

  /** The master key signing-key secrets are derived from in the tests (32 bytes, base64). */
  static final String REQUEST_SIGNING_KEY = "dGVzdCByZXF1ZXN0LXNpZ25pbmcgbWFzdGVyIGtleSE=";

  /** The key webhook secrets are derived from in the tests (32 bytes, base64). */
  static final String WEBHOOK_KEY = "dGVzdCB3ZWJob29rIHNpZ25pbmcgbWFzdGVyIGtleSEhIQ==";

  @Autowired HttpGraphQlTester anonymous;
  @Autowired AccessBootstrap bootstrap;
  @Autowired DSLContext dsl;

  /** The GraphQL tester as the test organization's owner. */
  HttpGraphQlTester graphQl;

  @BeforeEach
  void authenticateAsOwner() {
    graphQl = as(ownerToken());
  }

  String ownerToken() {
    synchronized (ApiTestBase.class) {
      if (ownerToken == null) {
        ownerToken =
            bootstrap.issueToken(
                TEST_ORGANIZATION, "owner@test.firmament.dev", Role.OWNER, "tests");
      }
      return ownerToken;
    }
  }

  /** The GraphQL tester with this bearer token. */
  HttpGraphQlTester as(String token) {
    return anonymous.mutate().header("Authorization", "Bearer " + token).build();
  }

  /** A token of a new member of an organization (created when missing) with this role. */
  String tokenFor(String organization, Role role) {
    return bootstrap.issueToken(
        organization, unique(role.value()) + "@" + organization + ".test", role, "test token");
  }

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", STACK.postgres::jdbcUrl);
    registry.add("spring.datasource.username", STACK.postgres::username);
    registry.add("spring.datasource.password", STACK.postgres::password);
    registry.add("firmament.s3.endpoint", STACK.s3::endpoint);
    registry.add("firmament.s3.access-key", STACK.s3::accessKey);
    registry.add("firmament.s3.secret-key", STACK.s3::secretKey);
    registry.add("firmament.s3.bucket", () -> TestStack.BUCKET);
    registry.add("firmament.security.request-signing-key", () -> REQUEST_SIGNING_KEY);
    registry.add("firmament.audit.private-key", AUDIT_KEYS::privateKeyBase64);
    registry.add("firmament.audit.public-key", AUDIT_KEYS::publicKeyBase64);
    // Webhooks reach the tests' receivers on loopback, and retry and take over quickly.
    registry.add("firmament.webhooks.secret-key", () -> WEBHOOK_KEY);
    registry.add("firmament.webhooks.allowed-ranges", () -> "127.0.0.0/8");
    registry.add("firmament.webhooks.retry-delay", () -> "200ms");
    registry.add("firmament.webhooks.max-retry-delay", () -> "5s");
    registry.add("firmament.webhooks.max-attempts", () -> "4");
    registry.add("firmament.webhooks.timeout", () -> "2s");
    registry.add("firmament.webhooks.claim", () -> "3s");
    registry.add("firmament.webhooks.poll-interval", () -> "50ms");
    // Device calls go through the tests' broker (every context's, so whichever runs a function
    // reaches the devices), and a device that does not answer is given up on soon.
    registry.add("firmament.mqtt.url", STACK.broker::url);
    registry.add("firmament.cloud.call-timeout", () -> "2s");
    // Cloud code runs soon after its events, and a runaway is stopped within a moment.
    registry.add("firmament.cloud-code.poll-interval", () -> "50ms");
    registry.add("firmament.cloud-code.instructions", () -> "5000000");
    registry.add("firmament.cloud-code.time-limit", () -> "5s");
    registry.add("firmament.cloud-code.claim", () -> "10s");
  }

  /** A name no other test uses, so tests sharing the database never collide. */
  static String unique(String prefix) {
    return prefix
        + "-"
        + SEQUENCE.incrementAndGet()
        + "-"
        + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * The items at {@code path} of {@code document}, run with {@code size} 1000, whose {@code name}
   * starts with {@code prefix}, by name: tests that share the organization tell their rows apart
   * so.
   */
  Map<String, Map<String, Object>> itemsNamed(String document, String path, String prefix) {
    Map<String, Map<String, Object>> mine = new LinkedHashMap<>();
    graphQl
        .document(document)
        .variable("size", 1000)
        .execute()
        .path(path)
        .entityList(
            new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() {})
        .get()
        .stream()
        .filter(item -> ((String) item.get("name")).startsWith(prefix))
        .forEach(item -> mine.put((String) item.get("name"), item));
    return mine;
  }

  static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  String createProduct() {
    return createProduct(graphQl);
  }

  static String createProduct(HttpGraphQlTester graphQl) {
    String slug = unique("product");
    return graphQl
        .documentName("CreateProduct")
        .variable("name", "Product " + slug)
        .variable("slug", slug)
        .execute()
        .path("createProduct.product.id")
        .entity(String.class)
        .get();
  }

  /**
   * Runs {@code create} (a createOTAJob) while the product's unfinished rollouts are set aside: a
   * device belongs to one open rollout at a time, and tests that seed rollouts in several states
   * put them back as they were afterwards.
   */
  String besideOpenRollouts(String productId, java.util.function.Supplier<String> create) {
    var open =
        dsl.select(
                dev.firmament.sql.generated.Tables.OTA_JOBS.ID,
                dev.firmament.sql.generated.Tables.OTA_JOBS.STATUS)
            .from(dev.firmament.sql.generated.Tables.OTA_JOBS)
            .where(
                dev.firmament.sql.generated.Tables.OTA_JOBS.PRODUCT_ID.eq(
                    java.util.UUID.fromString(productId)))
            .and(
                dev.firmament.sql.generated.Tables.OTA_JOBS.STATUS.notIn(
                    "SUCCEEDED", "FAILED", "ABORTED", "CANCELED", "ROLLED_BACK", "INTERRUPTED"))
            .fetch();
    open.forEach(
        r ->
            dsl.update(dev.firmament.sql.generated.Tables.OTA_JOBS)
                .set(dev.firmament.sql.generated.Tables.OTA_JOBS.STATUS, "CANCELED")
                .where(dev.firmament.sql.generated.Tables.OTA_JOBS.ID.eq(r.value1()))
                .execute());
    try {
      return create.get();
    } finally {
      open.forEach(
          r ->
              dsl.update(dev.firmament.sql.generated.Tables.OTA_JOBS)
                  .set(dev.firmament.sql.generated.Tables.OTA_JOBS.STATUS, r.value2())
                  .where(dev.firmament.sql.generated.Tables.OTA_JOBS.ID.eq(r.value1()))
                  .execute());
    }
  }

  /** Creates a device group of the product with these members; returns its id. */
  String createGroup(String productId, String name, List<String> deviceIds) {
    return graphQl
        .documentName("CreateDeviceGroup")
        .variable("productId", productId)
        .variable("name", name)
        .variable("deviceIds", deviceIds)
        .execute()
        .path("createDeviceGroup.deviceGroup.id")
        .entity(String.class)
        .get();
  }

  /** Registers devices {@code prefix-0 .. prefix-(count-1)} running version 1.0.0. */
  List<String> registerDevices(String productId, String prefix, int count) {
    return registerDevices(graphQl, productId, prefix, count);
  }

  static List<String> registerDevices(
      HttpGraphQlTester graphQl, String productId, String prefix, int count) {
    List<Map<String, Object>> devices =
        java.util.stream.IntStream.range(0, count)
            .mapToObj(
                i ->
                    Map.<String, Object>of(
                        "id", prefix + "-" + i, "name", "device " + i, "firmwareVersion", "1.0.0"))
            .toList();
    graphQl
        .documentName("RegisterDevices")
        .variable("productId", productId)
        .variable("devices", devices)
        .execute()
        .path("registerDevices.devices")
        .entityList(Object.class)
        .hasSize(count);
    return devices.stream().map(d -> (String) d.get("id")).toList();
  }

  /**
   * A build of a delta between two builds of a product, as the delta role records it: {@code
   * status} with its patch ({@code size} and {@code sha256}, stored under {@code delta/<sha256>})
   * or its reason.
   */
  void insertDelta(
      UUID org,
      String productId,
      String from,
      String to,
      String format,
      String status,
      Long size,
      String sha256,
      String reason) {
    dsl.insertInto(FIRMWARE_DELTAS)
        .set(FIRMWARE_DELTAS.ID, UUID.randomUUID())
        .set(FIRMWARE_DELTAS.ORGANIZATION_ID, org)
        .set(FIRMWARE_DELTAS.PRODUCT_ID, UUID.fromString(productId))
        .set(FIRMWARE_DELTAS.FROM_FIRMWARE_ID, UUID.fromString(from))
        .set(FIRMWARE_DELTAS.TO_FIRMWARE_ID, UUID.fromString(to))
        .set(FIRMWARE_DELTAS.FORMAT, format)
        .set(FIRMWARE_DELTAS.STATUS, status)
        .set(FIRMWARE_DELTAS.SIZE_BYTES, size)
        .set(FIRMWARE_DELTAS.SHA256, sha256)
        .set(FIRMWARE_DELTAS.STORAGE_KEY, sha256 == null ? null : "delta/" + sha256)
        .set(FIRMWARE_DELTAS.REASON, reason)
        .execute();
  }

  /** The organization that holds the device. */
  UUID organizationOf(String deviceId) {
    return dsl.resultQuery("select organization_id from devices where id = ?", deviceId)
        .fetchSingle()
        .get(0, UUID.class);
  }

  /** A rollback result of the job's device (its previous version 1.0.0), of no recorded stage. */
  void rollback(String jobId, String deviceId, String state) {
    rollback(jobId, deviceId, state, null);
  }

  /**
   * A rollback result of the job's device (its previous version 1.0.0) in the rollback stage of
   * index {@code stage}; null as for rows written before rollback stages were recorded.
   */
  void rollback(String jobId, String deviceId, String state, Integer stage) {
    dsl.insertInto(OTA_ROLLBACK_RESULTS)
        .set(
            OTA_ROLLBACK_RESULTS.ORGANIZATION_ID,
            dsl.select(DEVICES.ORGANIZATION_ID).from(DEVICES).where(DEVICES.ID.eq(deviceId)))
        .set(OTA_ROLLBACK_RESULTS.JOB_ID, UUID.fromString(jobId))
        .set(OTA_ROLLBACK_RESULTS.DEVICE_ID, deviceId)
        .set(OTA_ROLLBACK_RESULTS.TO_VERSION, "1.0.0")
        .set(OTA_ROLLBACK_RESULTS.STATE, state)
        .set(OTA_ROLLBACK_RESULTS.STAGE_POSITION, 0L)
        .set(OTA_ROLLBACK_RESULTS.STAGE, stage)
        .execute();
  }

  /** A history row of the job's result for the device (attempt 1), recorded now. */
  void history(String jobId, String deviceId, String phase, String state) {
    history(jobId, deviceId, phase, state, null);
  }

  /**
   * A history row of the job's result for the device (attempt 1), recorded at {@code at} (null:
   * now).
   */
  void history(String jobId, String deviceId, String phase, String state, OffsetDateTime at) {
    dsl.insertInto(OTA_RESULT_HISTORY)
        .set(
            OTA_RESULT_HISTORY.ORGANIZATION_ID,
            dsl.select(DEVICES.ORGANIZATION_ID).from(DEVICES).where(DEVICES.ID.eq(deviceId)))
        .set(OTA_RESULT_HISTORY.JOB_ID, UUID.fromString(jobId))
        .set(OTA_RESULT_HISTORY.DEVICE_ID, deviceId)
        .set(OTA_RESULT_HISTORY.PHASE, phase)
        .set(OTA_RESULT_HISTORY.ATTEMPT, 1)
        .set(OTA_RESULT_HISTORY.STATE, state)
        .set(OTA_RESULT_HISTORY.RECORDED_AT, at == null ? DSL.currentOffsetDateTime() : DSL.val(at))
        .execute();
  }

  String uploadFirmware(String productId, String version, byte[] image) {
    return uploadFirmware(graphQl, productId, version, image);
  }

  static String uploadFirmware(
      HttpGraphQlTester graphQl, String productId, String version, byte[] image) {
    return graphQl
        .documentName("UploadFirmware")
        .variable("productId", productId)
        .variable("version", version)
        .variable("title", "Build " + version)
        .variable("content", base64(image))
        .execute()
        .path("uploadFirmware.firmware.id")
        .entity(String.class)
        .get();
  }

  /** Row counts of every table the API writes, to prove that a refused request wrote nothing. */
  Map<String, Integer> rowCounts() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (Table<?> table :
        List.of(
            PRODUCTS,
            DEVICES,
            DEVICE_GROUPS,
            DEVICE_GROUP_MEMBERS,
            PRODUCT_FIRMWARE,
            OTA_JOBS,
            OTA_RESULTS,
            OTA_RESULT_HISTORY,
            dev.firmament.sql.generated.Tables.ROLLOUT_TEMPLATES,
            USERS,
            ORGANIZATION_MEMBERS,
            TEAMS,
            TEAM_MEMBERS,
            CUSTOMERS,
            CUSTOMER_DEVICE_MAPPINGS,
            API_TOKENS,
            OAUTH2_CLIENTS,
            OAUTH2_TOKENS)) {
      counts.put(table.getName(), dsl.fetchCount(table));
    }
    return counts;
  }

  /** Runs the request and checks it failed with exactly one error of this code. */
  void assertRefused(GraphQlTester.Request<?> request, String code) {
    request
        .execute()
        .errors()
        .satisfy(
            errors ->
                assertThat(errors)
                    .singleElement()
                    .satisfies(e -> assertThat(e.getExtensions()).containsEntry("code", code)));
  }
}
