package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.DEVICE_VITALS;
import static dev.firmament.sql.generated.Tables.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import dev.firmament.protocol.CloudReply;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.graphql.test.tester.HttpGraphQlTester;

/**
 * Data usage and plans on PostgreSQL: usage from function calls, events and the device's own count
 * landing in the SIM that is in the device and in the product's day, a SIM moved to another device
 * keeping its history, the usage records' filters and paging, and the plan's device limit, also
 * under two concurrent registrations.
 */
class UsageTest extends ApiIntegrationTest {
  private static final String CREATE_SIM =
      "mutation($i: CreateSIMInput!) { createSIM(input: $i) { sim { id } } }";
  private static final String USAGE =
      "query($id: ID!, $p: String) { sim(id: $id) { usage(period: $p) { period start end otaBytes"
          + " callBytes eventBytes ledgerBytes measuredBytes deviceReportedBytes usedBytes } } }";
  private static final String SET_PLAN =
      "mutation($i: SetSubscriptionInput!) { setSubscription(input: $i) { subscription { name"
          + " isDefault deviceLimit dataOperationsAllowance devices updatedBy } } }";

  private final String today = LocalDate.now(ZoneOffset.UTC).toString();
  private final String month = YearMonth.now(ZoneOffset.UTC).toString();

  private String sim(String deviceId) {
    Map<String, Object> input = new HashMap<>();
    input.put("iccid", SimsTest.iccid());
    input.put("imsi", SimsTest.imsi());
    input.put("carrier", "Acme Mobile");
    input.put("monthlyCapBytes", 10_000_000L);
    input.put("overagePolicy", "BLOCK");
    input.put("deviceId", deviceId);
    return graphQl
        .document(CREATE_SIM)
        .variable("i", input)
        .execute()
        .path("createSIM.sim.id")
        .entity(String.class)
        .get();
  }

  /** An event as the workers store one a device published. */
  private void event(String deviceId, String productId, String name, String data) {
    dsl.insertInto(EVENTS)
        .set(EVENTS.ORGANIZATION_ID, organizationOf(deviceId))
        .set(EVENTS.PRODUCT_ID, UUID.fromString(productId))
        .set(EVENTS.DEVICE_ID, deviceId)
        .set(EVENTS.NAME, name)
        .set(EVENTS.DATA, data)
        .set(EVENTS.TTL_SECONDS, 60)
        .set(EVENTS.SCOPE, "private")
        .set(EVENTS.SOURCE, "device")
        .execute();
  }

  /** Vitals as the workers store them, with the device's own byte count. */
  private void vitals(String deviceId, long netBytes, boolean backfilled) {
    dsl.insertInto(DEVICE_VITALS)
        .set(DEVICE_VITALS.ORGANIZATION_ID, organizationOf(deviceId))
        .set(DEVICE_VITALS.DEVICE_ID, deviceId)
        .set(DEVICE_VITALS.MEASURED_AT, OffsetDateTime.now(ZoneOffset.UTC))
        .set(DEVICE_VITALS.UPTIME_SECONDS, 60L)
        .set(
            DEVICE_VITALS.DIAGNOSTICS,
            "{\"cloud.reconnects\":0.0,\"net.bytes\":" + netBytes + ".0}")
        .set(DEVICE_VITALS.BACKFILLED, backfilled)
        .execute();
  }

  private Map<String, Object> usage(String simId, String period) {
    return graphQl
        .document(USAGE)
        .variable("id", simId)
        .variable("p", period)
        .execute()
        .path("sim.usage")
        .entity(new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() {})
        .get();
  }

  private static long bytes(Map<String, Object> usage, String field) {
    return ((Number) usage.get(field)).longValue();
  }

  @Test
  void callsEventsAndTheDevicesOwnCountLandInTheSimInTheDeviceAndAMovedSimKeepsItsHistory()
      throws Exception {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("use"), 2);
    String first = devices.get(0);
    String second = devices.get(1);
    String simA = sim(first);

    // A function call that reaches the device: its name, argument and result ("led", "on", 1).
    dsl.update(DEVICES).set(DEVICES.ONLINE, true).where(DEVICES.ID.eq(first)).execute();
    dsl.insertInto(DEVICE_FUNCTIONS)
        .columns(
            DEVICE_FUNCTIONS.ORGANIZATION_ID,
            DEVICE_FUNCTIONS.DEVICE_ID,
            DEVICE_FUNCTIONS.NAME,
            DEVICE_FUNCTIONS.POSITION)
        .values(organizationOf(first), first, "led", 0)
        .execute();
    TestDevice device =
        TestDevice.connect(STACK.broker.url(), first, call -> CloudReply.returned(1));
    try {
      graphQl
          .documentName("CallFunction")
          .variable("deviceId", first)
          .variable("functionName", "led")
          .variable("argument", "on")
          .execute()
          .path("callFunction.returnValue")
          .entity(Integer.class)
          .isEqualTo(1);
    } finally {
      device.close();
    }
    // A call to an offline device sends nothing and costs nothing.
    dsl.update(DEVICES).set(DEVICES.ONLINE, false).where(DEVICES.ID.eq(first)).execute();
    graphQl
        .documentName("CallFunction")
        .variable("deviceId", first)
        .variable("functionName", "led")
        .variable("argument", "off")
        .execute();

    event(first, productId, "temp", "21.5");
    event(first, productId, "humidity", "");
    // The device's own count: 1000, then 1500 (500 more), then 200 after a restart (200 more); a
    // late report it kept while offline adds nothing.
    vitals(first, 1000, false);
    vitals(first, 1500, false);
    vitals(first, 999_999, true);
    vitals(first, 200, false);

    Map<String, Object> a = usage(simA, null);
    assertThat(a.get("period")).isEqualTo(month);
    assertThat(bytes(a, "callBytes")).isEqualTo("led".length() + "on".length() + "1".length());
    assertThat(bytes(a, "eventBytes")).isEqualTo("temp21.5".length() + "humidity".length());
    assertThat(bytes(a, "otaBytes")).isZero();
    assertThat(bytes(a, "ledgerBytes")).isZero();
    assertThat(bytes(a, "measuredBytes")).isEqualTo(6 + 16);
    assertThat(bytes(a, "deviceReportedBytes")).isEqualTo(1700);
    assertThat(bytes(a, "usedBytes")).isEqualTo(1700);
    Map<String, Object> sameDay = new HashMap<>(a);
    sameDay.put("period", today);
    sameDay.put("start", today);
    sameDay.put("end", LocalDate.parse(today).plusDays(1).toString());
    assertThat(usage(simA, today)).isEqualTo(sameDay);
    assertThat(bytes(usage(simA, "2001-01"), "measuredBytes")).isZero();

    // The SIM moves to the second device; the first gets a new SIM.
    graphQl
        .document("mutation($id: ID!) { unassignSIM(input: {id: $id}) { sim { id } } }")
        .variable("id", simA)
        .execute()
        .errors()
        .verify();
    graphQl
        .document(
            "mutation($id: ID!, $d: ID!) { assignSIM(input: {id: $id, deviceId: $d}) { sim { id } } }")
        .variable("id", simA)
        .variable("d", second)
        .execute()
        .errors()
        .verify();
    String simB = sim(first);
    event(first, productId, "moved", "x");
    event(second, productId, "ab", "cd");

    assertThat(bytes(usage(simA, null), "eventBytes")).isEqualTo(16 + 4);
    assertThat(bytes(usage(simA, null), "callBytes")).isEqualTo(6);
    assertThat(bytes(usage(simB, null), "eventBytes")).isEqualTo("movedx".length());
    assertThat(bytes(usage(simB, null), "deviceReportedBytes")).isZero();

    // The SIM's history per day and per month: one period with usage.
    var history =
        graphQl
            .document(
                "query($id: ID!, $g: UsageGranularity) { sim(id: $id) { dataUsage(granularity: $g)"
                    + " { total hasMore last items { period eventBytes } } } }")
            .variable("id", simA);
    history
        .variable("g", "DAY")
        .execute()
        .path("sim.dataUsage.total")
        .entity(Integer.class)
        .isEqualTo(1);
    history
        .variable("g", "DAY")
        .execute()
        .path("sim.dataUsage.items[0].period")
        .entity(String.class)
        .isEqualTo(today);
    history
        .variable("g", "MONTH")
        .execute()
        .path("sim.dataUsage.items[0].period")
        .entity(String.class)
        .isEqualTo(month);
    history
        .variable("g", "MONTH")
        .execute()
        .path("sim.dataUsage.items[0].eventBytes")
        .entity(Long.class)
        .isEqualTo(20L);

    assertRefused(
        graphQl.document(USAGE).variable("id", simA).variable("p", "2026-13"), "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document(USAGE).variable("id", simA).variable("p", "last month"),
        "INVALID_ARGUMENT");

    // The product's usage record of the day: one call, four events, their bytes and the
    // devices' own count.
    var record =
        graphQl
            .document(
                "query($f: UsageRecordFilter) { login { usageRecords(filter: $f) { total items {"
                    + " id date productId product { id } dataOperations bytes functionCalls"
                    + " variableReads events ledgerSyncs otaBytes deviceReportedBytes } } } }")
            .variable("f", Map.of("productId", productId, "fromDate", today, "toDate", today))
            .execute();
    record.path("login.usageRecords.total").entity(Integer.class).isEqualTo(1);
    record
        .path("login.usageRecords.items[0].id")
        .entity(String.class)
        .isEqualTo(productId + "/" + today);
    record.path("login.usageRecords.items[0].product.id").entity(String.class).isEqualTo(productId);
    record.path("login.usageRecords.items[0].functionCalls").entity(Long.class).isEqualTo(1L);
    record.path("login.usageRecords.items[0].variableReads").entity(Long.class).isEqualTo(0L);
    record.path("login.usageRecords.items[0].events").entity(Long.class).isEqualTo(4L);
    record.path("login.usageRecords.items[0].dataOperations").entity(Long.class).isEqualTo(5L);
    record.path("login.usageRecords.items[0].bytes").entity(Long.class).isEqualTo(6L + 16 + 6 + 4);
    record
        .path("login.usageRecords.items[0].deviceReportedBytes")
        .entity(Long.class)
        .isEqualTo(1700L);
    // Outside the date range, or another product: nothing.
    graphQl
        .document("query($f: UsageRecordFilter) { login { usageRecords(filter: $f) { total } } }")
        .variable("f", Map.of("productId", productId, "toDate", "2001-01-31"))
        .execute()
        .path("login.usageRecords.total")
        .entity(Integer.class)
        .isEqualTo(0);
    graphQl
        .document("query($f: UsageRecordFilter) { login { usageRecords(filter: $f) { total } } }")
        .variable("f", Map.of("productId", createProduct()))
        .execute()
        .path("login.usageRecords.total")
        .entity(Integer.class)
        .isEqualTo(0);
    assertRefused(
        graphQl.document("{ login { usageRecords(size: 1001) { total } } }"), "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document("{ login { usageRecords(sort: \"size\") { total } } }"),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document(
            "{ login { usageRecords(filter: {fromDate: \"2026-02-30\"}) { total } } }"),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl
            .document("query($id: ID!) { sim(id: $id) { dataUsage(size: 1001) { total } } }")
            .variable("id", simA),
        "INVALID_ARGUMENT");
  }

  @Test
  void usageRecordsPageByDateAndProduct() {
    String organization = unique("pages");
    HttpGraphQlTester owner = as(tokenFor(organization, Role.OWNER));
    String productA = createProduct(owner);
    String productB = createProduct(owner);
    UUID org =
        dsl.select(DEVICES.ORGANIZATION_ID)
            .from(DEVICES)
            .where(DEVICES.ID.eq(registerDevices(owner, productA, unique("pg"), 1).getFirst()))
            .fetchSingle(DEVICES.ORGANIZATION_ID);
    LocalDate day = LocalDate.parse("2026-03-01");
    for (int i = 0; i < 5; i++) {
      for (String product : List.of(productA, productB)) {
        dsl.execute(
            "insert into usage_days (organization_id, product_id, day, events, event_bytes,"
                + " function_calls) values (?, ?, ?, ?, ?, ?)",
            org,
            UUID.fromString(product),
            day.plusDays(i),
            10L * (i + 1),
            100L * (i + 1),
            product.equals(productA) ? 1L : 0L);
      }
    }
    var page =
        owner
            .document(
                "query($f: UsageRecordFilter) { login { usageRecords(filter: $f, from: 1, size: 2,"
                    + " sort: \"date\") { total hasMore last items { date productId"
                    + " dataOperations bytes } } } }")
            .variable("f", Map.of("productId", productA, "fromDate", "2026-03-02"))
            .execute();
    page.path("login.usageRecords.total").entity(Integer.class).isEqualTo(4);
    page.path("login.usageRecords.hasMore").entity(Boolean.class).isEqualTo(true);
    page.path("login.usageRecords.last").entity(Integer.class).isEqualTo(2);
    page.path("login.usageRecords.items[*].date")
        .entityList(String.class)
        .containsExactly("2026-03-03", "2026-03-04");
    page.path("login.usageRecords.items[0].dataOperations").entity(Long.class).isEqualTo(31L);
    page.path("login.usageRecords.items[0].bytes").entity(Long.class).isEqualTo(300L);
    owner
        .document(
            "{ login { usageRecords(sort: \"-dataOperations\", size: 3) { items { date"
                + " dataOperations } } } }")
        .execute()
        .path("login.usageRecords.items[*].dataOperations")
        .entityList(Long.class)
        .containsExactly(51L, 50L, 41L);
    // The plan counts the month's operations of every product.
    owner
        .document("{ login { subscription { dataOperations(period: \"2026-03\") } } }")
        .execute()
        .path("login.subscription.dataOperations")
        .entity(Long.class)
        .isEqualTo(2 * (10L + 20 + 30 + 40 + 50) + 5);
    // Another organization sees none of it.
    graphQl
        .document("query($f: UsageRecordFilter) { login { usageRecords(filter: $f) { total } } }")
        .variable("f", Map.of("productId", productA))
        .execute()
        .path("login.usageRecords.total")
        .entity(Integer.class)
        .isEqualTo(0);
  }

  @Test
  void thePlanIsReadByTheOrganizationAndSetByAnOwnerOnly() {
    String organization = unique("plan");
    HttpGraphQlTester owner = as(tokenFor(organization, Role.OWNER));
    owner
        .document(
            "{ login { subscription { name isDefault deviceLimit dataOperationsAllowance } } }")
        .execute()
        .path("login.subscription.name")
        .entity(String.class)
        .isEqualTo("default")
        .path("login.subscription.isDefault")
        .entity(Boolean.class)
        .isEqualTo(true)
        .path("login.subscription.deviceLimit")
        .valueIsNull();
    owner
        .document(SET_PLAN)
        .variable("i", Map.of("name", "Growth", "deviceLimit", 5, "dataOperationsAllowance", 1000))
        .execute()
        .path("setSubscription.subscription.deviceLimit")
        .entity(Integer.class)
        .isEqualTo(5);
    HttpGraphQlTester auditor = as(tokenFor(organization, Role.AUDITOR));
    auditor
        .document("{ login { organization { subscription { name deviceLimit devices } } } }")
        .execute()
        .path("login.organization.subscription.name")
        .entity(String.class)
        .isEqualTo("Growth")
        .path("login.organization.subscription.devices")
        .entity(Integer.class)
        .isEqualTo(0);
    for (Role role : List.of(Role.AUDITOR, Role.OPERATOR, Role.RELEASE_MANAGER)) {
      assertRefused(
          as(tokenFor(organization, role))
              .document(SET_PLAN)
              .variable("i", Map.of("name", "Free", "deviceLimit", 1000000)),
          "FORBIDDEN");
    }
    assertRefused(
        owner.document(SET_PLAN).variable("i", Map.of("name", "Bad", "deviceLimit", -1)),
        "INVALID_ARGUMENT");
    assertRefused(owner.document(SET_PLAN).variable("i", Map.of("name", " ")), "INVALID_ARGUMENT");
    owner
        .document("{ login { subscription { name deviceLimit updatedBy } } }")
        .execute()
        .path("login.subscription.deviceLimit")
        .entity(Integer.class)
        .isEqualTo(5);
    // Every change of the plan is in the audit log, the refused ones too.
    assertThat(
            dsl.fetchCount(
                dev.firmament.sql.generated.Tables.AUDIT_LOG,
                dev.firmament.sql.generated.Tables.AUDIT_LOG
                    .ACTION
                    .eq("setSubscription")
                    .and(
                        dev.firmament.sql.generated.Tables.AUDIT_LOG.ORGANIZATION_ID.eq(
                            dsl.select(dev.firmament.sql.generated.Tables.ORGANIZATIONS.ID)
                                .from(dev.firmament.sql.generated.Tables.ORGANIZATIONS)
                                .where(
                                    dev.firmament.sql.generated.Tables.ORGANIZATIONS.SLUG.eq(
                                        organization))))))
        .isEqualTo(6);
  }

  @Test
  void registeringPastTheDeviceLimitIsRefusedAndWritesNothing() {
    String organization = unique("limit");
    HttpGraphQlTester owner = as(tokenFor(organization, Role.OWNER));
    String productId = createProduct(owner);
    owner.document(SET_PLAN).variable("i", Map.of("name", "Small", "deviceLimit", 3)).execute();
    registerDevices(owner, productId, unique("lim"), 2);
    String prefix = unique("over");
    var refused =
        owner
            .documentName("RegisterDevices")
            .variable("productId", productId)
            .variable(
                "devices",
                List.of(
                    Map.of("id", prefix + "-0", "name", "a"),
                    Map.of("id", prefix + "-1", "name", "b")))
            .execute();
    refused
        .errors()
        .satisfy(
            errors ->
                assertThat(errors)
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getExtensions())
                              .containsEntry("code", "FAILED_PRECONDITION")
                              .containsEntry("deviceLimit", 3)
                              .containsEntry("devices", 2);
                          assertThat(e.getMessage()).contains("3 device(s)");
                        }));
    assertThat(dsl.fetchCount(DEVICES, DEVICES.ID.startsWith(prefix))).isZero();
    // Exactly at the limit is allowed; one more is not.
    registerDevices(owner, productId, unique("last"), 1);
    assertRefused(
        owner
            .documentName("RegisterDevices")
            .variable("productId", productId)
            .variable("devices", List.of(Map.of("id", unique("one"), "name", "one"))),
        "FAILED_PRECONDITION");
    // A limit lowered below what the organization holds keeps its devices; raised, it admits.
    owner.document(SET_PLAN).variable("i", Map.of("name", "Smaller", "deviceLimit", 1)).execute();
    owner
        .document("{ login { subscription { devices deviceLimit } } }")
        .execute()
        .path("login.subscription.devices")
        .entity(Integer.class)
        .isEqualTo(3);
    owner.document(SET_PLAN).variable("i", Map.of("name", "Unlimited")).execute();
    registerDevices(owner, productId, unique("free"), 4);
  }

  @Test
  void twoConcurrentRegistrationsForTheLastPlaceCannotBothPass() throws Exception {
    for (int round = 0; round < 5; round++) {
      String organization = unique("race");
      HttpGraphQlTester owner = as(tokenFor(organization, Role.OWNER));
      String productId = createProduct(owner);
      owner.document(SET_PLAN).variable("i", Map.of("name", "Tight", "deviceLimit", 3)).execute();
      registerDevices(owner, productId, unique("held"), 2);
      CyclicBarrier start = new CyclicBarrier(2);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<Boolean>> outcomes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          String id = unique("racer");
          Callable<Boolean> register =
              () -> {
                start.await(10, TimeUnit.SECONDS);
                return owner
                    .documentName("RegisterDevices")
                    .variable("productId", productId)
                    .variable("devices", List.of(Map.of("id", id, "name", id)))
                    .execute()
                    .returnResponse()
                    .getErrors()
                    .isEmpty();
              };
          outcomes.add(pool.submit(register));
        }
        int passed = 0;
        for (Future<Boolean> outcome : outcomes) {
          passed += outcome.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(passed).as("round " + round).isEqualTo(1);
        assertThat(
                dsl.fetchCount(
                    DEVICES, DEVICES.ORGANIZATION_ID.eq(organizationOf(productDevice(productId)))))
            .isEqualTo(3);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private String productDevice(String productId) {
    return dsl.select(DEVICES.ID)
        .from(DEVICES)
        .where(DEVICES.PRODUCT_ID.eq(UUID.fromString(productId)))
        .limit(1)
        .fetchSingle(DEVICES.ID);
  }
}
