package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.LEDGER_INSTANCES;
import static dev.firmament.sql.generated.Tables.LEDGER_PUSHES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.graphql.test.tester.GraphQlTester;
import org.springframework.graphql.test.tester.HttpGraphQlTester;

/**
 * Ledgers through the API: definitions, the conflict rule of cloud-to-device instances (the API is
 * their only writer; a stale {@code expectedVersion} is {@code CONFLICT} and writes nothing), the
 * refusal of writes to device-to-cloud ledgers, typed errors for bad input, the push rows the
 * workers send on, {@code Device.ledgers}, and access across roles and organizations.
 */
class LedgersTest extends ApiIntegrationTest {

  private static final String CREATE =
      """
      mutation($input: CreateLedgerInput!) {
        createLedger(input: $input) { ledger { id name description scope direction createdBy } }
      }
      """;
  private static final String SET =
      """
      mutation($input: SetLedgerInstanceInput!) {
        setLedgerInstance(input: $input) {
          instance { ledgerName scope direction productId deviceId data version updatedBy }
        }
      }
      """;
  private static final String DELETE_INSTANCE =
      """
      mutation($input: DeleteLedgerInstanceInput!) {
        deleteLedgerInstance(input: $input) { ledgerName deletedVersion }
      }
      """;

  private GraphQlTester.Request<?> create(
      HttpGraphQlTester as, String name, String scope, String direction) {
    return as.document(CREATE)
        .variable(
            "input",
            Map.of(
                "name", name, "description", "for tests", "scope", scope, "direction", direction));
  }

  private GraphQlTester.Request<?> set(Map<String, Object> input) {
    return graphQl.document(SET).variable("input", input);
  }

  private long versionOf(String ledger, String scopeKey, Object value) {
    var response =
        set(
            value == null
                ? Map.of("ledgerName", ledger, "data", "{}")
                : Map.of("ledgerName", ledger, scopeKey, value, "data", "{}"));
    return response.execute().path("setLedgerInstance.instance.version").entity(Long.class).get();
  }

  private int pushesOf(String ledger) {
    return dsl.fetchCount(LEDGER_PUSHES, LEDGER_PUSHES.LEDGER_NAME.eq(ledger));
  }

  @Test
  void aStaleExpectedVersionIsAConflictAndWritesNothing() {
    String name = unique("cfg");
    create(graphQl, name, "ORGANIZATION", "CLOUD_TO_DEVICE")
        .execute()
        .path("createLedger.ledger.direction")
        .entity(String.class)
        .isEqualTo("CLOUD_TO_DEVICE");

    var first =
        set(Map.of("ledgerName", name, "data", "{\"interval\": 30}", "expectedVersion", 0))
            .execute();
    first
        .path("setLedgerInstance.instance.data")
        .entity(String.class)
        .isEqualTo("{\"interval\":30}");
    first.path("setLedgerInstance.instance.scope").entity(String.class).isEqualTo("ORGANIZATION");
    long v1 = first.path("setLedgerInstance.instance.version").entity(Long.class).get();
    assertThat(v1).isPositive();
    assertThat(pushesOf(name)).isEqualTo(1);

    var second =
        set(Map.of("ledgerName", name, "data", "{\"interval\": 60}", "expectedVersion", v1))
            .execute();
    long v2 = second.path("setLedgerInstance.instance.version").entity(Long.class).get();
    assertThat(v2).isGreaterThan(v1);

    // A writer that read v1 and writes now is refused; the stored document stays v2's.
    assertRefused(
        set(Map.of("ledgerName", name, "data", "{\"interval\": 5}", "expectedVersion", v1)),
        "CONFLICT");
    // Creating what exists already is a conflict too.
    assertRefused(set(Map.of("ledgerName", name, "data", "{}", "expectedVersion", 0)), "CONFLICT");
    var stored = dsl.selectFrom(LEDGER_INSTANCES).where(LEDGER_INSTANCES.VERSION.eq(v2)).fetchOne();
    assertThat(stored).isNotNull();
    assertThat(stored.getData()).isEqualTo("{\"interval\":60}");
    assertThat(pushesOf(name)).as("no push for a refused write").isEqualTo(2);

    // Without expectedVersion the last writer wins.
    assertThat(versionOf(name, null, null)).isGreaterThan(v2);

    // Each accepted write is one of the cloud's events; the refused ones are not.
    var changes =
        graphQl
            .document(
                "query { events(filter: {namePrefix: \"firmament/ledger/changed\"}, size: 1000) {"
                    + " items { data source scope } } }")
            .execute()
            .path("events.items")
            .entityList(java.util.Map.class)
            .get()
            .stream()
            .filter(e -> String.valueOf(e.get("data")).contains("\"ledger\" : \"" + name + "\""))
            .toList();
    assertThat(changes).hasSize(3);
    assertThat(changes.getLast().get("data").toString())
        .contains("\"version\" : " + v1, "\"direction\" : \"CLOUD_TO_DEVICE\"");
    assertThat(changes).allSatisfy(e -> assertThat(e.get("source")).isEqualTo("CLOUD"));
  }

  @Test
  void badInputIsATypedErrorAndWritesNothing() {
    String org = unique("org");
    String status = unique("status");
    create(graphQl, org, "ORGANIZATION", "CLOUD_TO_DEVICE").execute();
    create(graphQl, status, "DEVICE", "DEVICE_TO_CLOUD").execute();

    assertRefused(create(graphQl, org, "DEVICE", "CLOUD_TO_DEVICE"), "ALREADY_EXISTS");
    assertRefused(create(graphQl, "no/slash", "DEVICE", "CLOUD_TO_DEVICE"), "INVALID_ARGUMENT");
    assertRefused(
        create(graphQl, unique("up"), "ORGANIZATION", "DEVICE_TO_CLOUD"), "INVALID_ARGUMENT");

    assertRefused(set(Map.of("ledgerName", org, "data", "[1, 2]")), "INVALID_ARGUMENT");
    assertRefused(set(Map.of("ledgerName", org, "data", "{not json")), "INVALID_ARGUMENT");
    String big = "{\"k\":\"" + "x".repeat(8200) + "\"}";
    set(Map.of("ledgerName", org, "data", big))
        .execute()
        .errors()
        .satisfy(
            errors ->
                assertThat(errors)
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getExtensions()).containsEntry("code", "INVALID_ARGUMENT");
                          assertThat(e.getMessage()).contains("8192");
                        }));
    // The organization's instance names no product or device.
    assertRefused(
        set(Map.of("ledgerName", org, "productId", createProduct(), "data", "{}")),
        "INVALID_ARGUMENT");
    assertRefused(set(Map.of("ledgerName", unique("none"), "data", "{}")), "NOT_FOUND");

    // A device-to-cloud ledger is its devices' to write.
    String productId = createProduct();
    String device = registerDevices(productId, unique("led"), 1).getFirst();
    assertRefused(
        set(Map.of("ledgerName", status, "deviceId", device, "data", "{}")), "FAILED_PRECONDITION");

    assertThat(pushesOf(org)).isZero();
    assertThat(pushesOf(status)).isZero();
  }

  @Test
  void aDeviceSeesItsOrganizationsItsProductsAndItsOwnInstances() {
    String productId = createProduct();
    String otherProduct = createProduct();
    List<String> devices = registerDevices(productId, unique("ldev"), 2);
    String org = unique("o");
    String product = unique("p");
    String own = unique("d");
    create(graphQl, org, "ORGANIZATION", "CLOUD_TO_DEVICE").execute();
    create(graphQl, product, "PRODUCT", "CLOUD_TO_DEVICE").execute();
    create(graphQl, own, "DEVICE", "CLOUD_TO_DEVICE").execute();
    set(Map.of("ledgerName", org, "data", "{\"a\":1}")).execute();
    set(Map.of("ledgerName", product, "productId", productId, "data", "{\"b\":2}")).execute();
    set(Map.of("ledgerName", product, "productId", otherProduct, "data", "{\"b\":3}")).execute();
    set(Map.of("ledgerName", own, "deviceId", devices.get(0), "data", "{\"c\":4}")).execute();

    var response =
        graphQl
            .document(
                """
                query($id: ID!) { device(id: $id) { ledgers { ledgerName data scope } } }
                """)
            .variable("id", devices.get(0))
            .execute();
    List<String> seen =
        response.path("device.ledgers[*].ledgerName").entityList(String.class).get();
    assertThat(seen).contains(org, product, own);
    response
        .path("device.ledgers[?(@.ledgerName == '" + product + "')].data")
        .entityList(String.class)
        .containsExactly("{\"b\":2}");

    var second =
        graphQl
            .document(
                """
                query($id: ID!) { device(id: $id) { ledgers { ledgerName } } }
                """)
            .variable("id", devices.get(1))
            .execute();
    assertThat(second.path("device.ledgers[*].ledgerName").entityList(String.class).get())
        .contains(org, product)
        .doesNotContain(own);

    // A ledger's instances, paged, and its deletion pushed.
    graphQl
        .document(
            """
            query($name: String!) {
              ledger(name: $name) { instances(size: 1, sort: "version") { total hasMore items { productId } } }
            }
            """)
        .variable("name", product)
        .execute()
        .path("ledger.instances.total")
        .entity(Integer.class)
        .isEqualTo(2);
    int before = pushesOf(own);
    graphQl
        .document(DELETE_INSTANCE)
        .variable("input", Map.of("ledgerName", own, "deviceId", devices.get(0)))
        .execute()
        .path("deleteLedgerInstance.ledgerName")
        .entity(String.class)
        .isEqualTo(own);
    assertThat(pushesOf(own)).isEqualTo(before + 1);
    assertRefused(
        graphQl
            .document(DELETE_INSTANCE)
            .variable("input", Map.of("ledgerName", own, "deviceId", devices.get(0))),
        "NOT_FOUND");
    int productPushes = pushesOf(product);
    graphQl
        .document("mutation($n: String!) { deleteLedger(input: {name: $n}) { deletedName } }")
        .variable("n", product)
        .execute()
        .path("deleteLedger.deletedName")
        .entity(String.class)
        .isEqualTo(product);
    assertThat(pushesOf(product)).as("one removal per instance").isEqualTo(productPushes + 2);
  }

  @Test
  void anotherOrganizationSeesNoneAndAReaderWritesNone() {
    String name = unique("private");
    create(graphQl, name, "ORGANIZATION", "CLOUD_TO_DEVICE").execute();
    String productId = createProduct();
    String device = registerDevices(productId, unique("mine"), 1).getFirst();

    HttpGraphQlTester stranger = as(tokenFor(unique("elsewhere"), Role.OWNER));
    assertRefused(
        stranger.document("query($n: String!) { ledger(name: $n) { id } }").variable("n", name),
        "NOT_FOUND");
    stranger
        .document("{ ledgers { total } }")
        .execute()
        .path("ledgers.total")
        .entity(Integer.class)
        .isEqualTo(0);
    create(stranger, name, "DEVICE", "CLOUD_TO_DEVICE")
        .execute()
        .path("createLedger.ledger.name")
        .entity(String.class)
        .isEqualTo(name);
    // Its own ledger of that name cannot reach this organization's device.
    assertRefused(
        stranger
            .document(SET)
            .variable("input", Map.of("ledgerName", name, "deviceId", device, "data", "{}")),
        "NOT_FOUND");

    HttpGraphQlTester auditor = as(tokenFor(TEST_ORGANIZATION, Role.AUDITOR));
    auditor
        .document("query($n: String!) { ledger(name: $n) { scope } }")
        .variable("n", name)
        .execute()
        .path("ledger.scope")
        .entity(String.class)
        .isEqualTo("ORGANIZATION");
    assertRefused(create(auditor, unique("nope"), "DEVICE", "CLOUD_TO_DEVICE"), "FORBIDDEN");
    assertRefused(
        auditor.document(SET).variable("input", Map.of("ledgerName", name, "data", "{}")),
        "FORBIDDEN");
  }
}
