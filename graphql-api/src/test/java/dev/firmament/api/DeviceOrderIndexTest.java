package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.PRODUCTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.jooq.Condition;
import org.jooq.SortField;
import org.junit.jupiter.api.Test;
import org.springframework.graphql.test.tester.HttpGraphQlTester;

/**
 * Pages of a large product's or organization's devices come from the kept order of their ids: at
 * every offset they are exactly what the database's own order gives, the totals are the product's
 * kept counts, and a device that joins, leaves, is renamed or moves shows on the next request.
 */
class DeviceOrderIndexTest extends ApiIntegrationTest {
  private static final int DEVICES_IN_PRODUCT = 2_500;
  private static final String SEED_PAGE =
      "query($p: ID!, $page: Int, $perPage: Int) { product(id: $p) { devices(page: $page,"
          + " perPage: $perPage) { id } } }";
  private static final String LOGIN_PAGE =
      "query($f: DeviceFilter, $from: Int, $size: Int, $sort: String) { login { devices(filter:"
          + " $f, from: $from, size: $size, sort: $sort) { total hasMore last items { id name } } } }";

  @Test
  void everyPageIsTheDatabasesOwnOrderAndChangesShowAtOnce() {
    String organization = unique("order");
    HttpGraphQlTester owner = as(tokenFor(organization, Role.OWNER));
    String product = createProduct(owner);
    String other = createProduct(owner);
    UUID organizationId = organizationOfProduct(product);
    String prefix = unique("dev");
    insertDevices(organizationId, product, prefix, DEVICES_IN_PRODUCT);

    assertCountsMatch(product);
    for (int page : List.of(1, 7, 25, 26)) {
      assertThat(seedPage(owner, product, page, 100))
          .containsExactlyElementsOf(
              ids(
                  DEVICES.PRODUCT_ID.eq(UUID.fromString(product)),
                  (page - 1) * 100,
                  100,
                  DEVICES.ID.asc()));
    }
    assertLoginPage(owner, organizationId, product, "name", 1_234, 50);
    assertLoginPage(owner, organizationId, product, "-name", 0, 100);
    assertLoginPage(owner, organizationId, product, "-id", 2_450, 100);
    assertLoginPage(owner, organizationId, null, "name", 2_000, 1_000);

    // A device that sorts first joins, one leaves, one is renamed to sort last, one moves away.
    dsl.insertInto(DEVICES)
        .set(DEVICES.ID, prefix + "-")
        .set(DEVICES.ORGANIZATION_ID, organizationId)
        .set(DEVICES.PRODUCT_ID, UUID.fromString(product))
        .set(DEVICES.NAME, "aaa first")
        .execute();
    dsl.deleteFrom(DEVICES).where(DEVICES.ID.eq(prefix + "-00010")).execute();
    dsl.update(DEVICES)
        .set(DEVICES.NAME, "zzz last")
        .where(DEVICES.ID.eq(prefix + "-00020"))
        .execute();
    dsl.update(DEVICES)
        .set(DEVICES.PRODUCT_ID, UUID.fromString(other))
        .where(DEVICES.ID.eq(prefix + "-00030"))
        .execute();

    assertCountsMatch(product);
    assertCountsMatch(other);
    assertThat(seedPage(owner, product, 1, 100))
        .containsExactlyElementsOf(
            ids(DEVICES.PRODUCT_ID.eq(UUID.fromString(product)), 0, 100, DEVICES.ID.asc()))
        .contains(prefix + "-")
        .doesNotContain(prefix + "-00010", prefix + "-00030");
    assertLoginPage(owner, organizationId, product, "name", 0, 10);
    assertLoginPage(owner, organizationId, product, "name", DEVICES_IN_PRODUCT - 10, 10);
    assertLoginPage(owner, organizationId, null, "-name", 0, 10);
    var total =
        owner.document(LOGIN_PAGE).variable("f", java.util.Map.of("productId", product)).execute();
    total.path("login.devices.total").entity(Integer.class).isEqualTo(DEVICES_IN_PRODUCT - 1);
  }

  @Test
  void aCustomerSeesOnlyItsDevicesOfALargeProduct() {
    String organization = unique("order");
    HttpGraphQlTester owner = as(tokenFor(organization, Role.OWNER));
    String product = createProduct(owner);
    String prefix = unique("dev");
    insertDevices(organizationOfProduct(product), product, prefix, DEVICES_IN_PRODUCT);
    String customer =
        owner
            .document(
                "mutation($p: ID!, $e: String!) { createCustomer(input: {productId: $p, email:"
                    + " $e}) { customer { id } } }")
            .variable("p", product)
            .variable("e", unique("customer") + "@example.test")
            .execute()
            .path("createCustomer.customer.id")
            .entity(String.class)
            .get();
    for (String device : List.of(prefix + "-01000", prefix + "-00005")) {
      owner
          .document(
              "mutation($c: ID!, $d: ID!) { mapCustomerDevice(input: {customerId: $c, deviceId:"
                  + " $d}) { mapping { deviceId } } }")
          .variable("c", customer)
          .variable("d", device)
          .execute()
          .errors()
          .verify();
    }
    String token =
        owner
            .document(
                "mutation($c: ID!) { createCustomerToken(input: {customerId: $c, name: \"app\"})"
                    + " { token } }")
            .variable("c", customer)
            .execute()
            .path("createCustomerToken.token")
            .entity(String.class)
            .get();
    var page = as(token).document(LOGIN_PAGE).variable("sort", "id").execute();
    page.path("login.devices.total").entity(Integer.class).isEqualTo(2);
    page.path("login.devices.items[*].id")
        .entityList(String.class)
        .containsExactly(prefix + "-00005", prefix + "-01000");
  }

  private List<String> seedPage(HttpGraphQlTester api, String product, int page, int perPage) {
    return api.document(SEED_PAGE)
        .variable("p", product)
        .variable("page", page)
        .variable("perPage", perPage)
        .execute()
        .path("product.devices[*].id")
        .entityList(String.class)
        .get();
  }

  private void assertLoginPage(
      HttpGraphQlTester api, UUID organizationId, String product, String sort, int from, int size) {
    var answer =
        api.document(LOGIN_PAGE)
            .variable("f", product == null ? null : java.util.Map.of("productId", product))
            .variable("from", from)
            .variable("size", size)
            .variable("sort", sort)
            .execute();
    Condition which =
        product == null
            ? DEVICES.ORGANIZATION_ID.eq(organizationId)
            : DEVICES.PRODUCT_ID.eq(UUID.fromString(product));
    List<SortField<?>> order =
        switch (sort) {
          case "name" -> List.of(DEVICES.NAME.asc(), DEVICES.ID.asc());
          case "-name" -> List.of(DEVICES.NAME.desc(), DEVICES.ID.desc());
          case "-id" -> List.of(DEVICES.ID.desc());
          default -> List.of(DEVICES.ID.asc());
        };
    answer
        .path("login.devices.items[*].id")
        .entityList(String.class)
        .containsExactly(
            ids(which, from, size, order.toArray(SortField[]::new)).toArray(String[]::new));
    answer
        .path("login.devices.total")
        .entity(Integer.class)
        .isEqualTo(dsl.fetchCount(DEVICES, which));
  }

  private List<String> ids(Condition which, int offset, int limit, SortField<?>... order) {
    return dsl.select(DEVICES.ID)
        .from(DEVICES)
        .where(which)
        .orderBy(order)
        .offset(offset)
        .limit(limit)
        .fetch(DEVICES.ID);
  }

  private UUID organizationOfProduct(String product) {
    return dsl.select(PRODUCTS.ORGANIZATION_ID)
        .from(PRODUCTS)
        .where(PRODUCTS.ID.eq(UUID.fromString(product)))
        .fetchSingle()
        .value1();
  }

  private void assertCountsMatch(String product) {
    UUID id = UUID.fromString(product);
    assertThat(
            dsl.select(PRODUCTS.DEVICE_COUNT)
                .from(PRODUCTS)
                .where(PRODUCTS.ID.eq(id))
                .fetchOne(PRODUCTS.DEVICE_COUNT))
        .isEqualTo(dsl.fetchCount(DEVICES, DEVICES.PRODUCT_ID.eq(id)));
  }

  /** Devices inserted in one statement, as a bulk import would; names in a shuffled order. */
  private void insertDevices(UUID organizationId, String product, String prefix, int count) {
    var insert =
        dsl.insertInto(
            DEVICES, DEVICES.ID, DEVICES.ORGANIZATION_ID, DEVICES.PRODUCT_ID, DEVICES.NAME);
    for (int i : IntStream.range(0, count).toArray()) {
      insert =
          insert.values(
              prefix + String.format("-%05d", i),
              organizationId,
              UUID.fromString(product),
              "device " + ((i * 7919) % count));
    }
    insert.execute();
  }
}
