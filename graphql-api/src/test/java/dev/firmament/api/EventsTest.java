package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import dev.firmament.api.event.EventRepository;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The stored events through the API: the history's filters and pages, the cloud's "firmware
 * uploaded", persistent subscriptions, and the daily partitions' upkeep.
 */
class EventsTest extends ApiIntegrationTest {
  private static final String HISTORY =
      "query($f: EventFilter, $from: Int, $size: Int) { events(filter: $f, from: $from, size:"
          + " $size) { total hasMore last items { id cursor name data ttl scope source deviceId"
          + " productId publishedAt } } }";

  @Autowired EventRepository events;
  @Autowired org.springframework.test.web.servlet.assertj.MockMvcTester mvc;

  /** Events as the workers store them, one second apart, the last one newest. */
  private void publish(String deviceId, String... namesAndData) {
    publishScoped(deviceId, "private", namesAndData);
  }

  private void publishScoped(String deviceId, String scope, String... namesAndData) {
    var device = dsl.selectFrom(DEVICES).where(DEVICES.ID.eq(deviceId)).fetchSingle();
    OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5);
    for (int i = 0; i < namesAndData.length; i += 2) {
      dsl.insertInto(EVENTS)
          .set(EVENTS.ORGANIZATION_ID, device.getOrganizationId())
          .set(EVENTS.PRODUCT_ID, device.getProductId())
          .set(EVENTS.DEVICE_ID, deviceId)
          .set(EVENTS.NAME, namesAndData[i])
          .set(EVENTS.DATA, namesAndData[i + 1])
          .set(EVENTS.TTL_SECONDS, 60)
          .set(EVENTS.SCOPE, scope)
          .set(EVENTS.SOURCE, "device")
          .set(EVENTS.PUBLISHED_AT, at.plusSeconds(i))
          .execute();
    }
  }

  @Test
  void theHistoryFiltersAndPagesTheNewestFirst() {
    String productId = createProduct();
    List<String> ids = registerDevices(productId, unique("evt"), 2);
    publish(ids.get(0), "temp", "20", "temp/room", "21", "door", "open", "temp", "22");
    publish(ids.get(1), "temp", "30");

    var page =
        graphQl
            .document(HISTORY)
            .variable("f", Map.of("deviceId", ids.get(0), "namePrefix", "temp"))
            .variable("size", 2)
            .execute();
    page.errors().verify();
    page.path("events.total").entity(Integer.class).isEqualTo(3);
    page.path("events.hasMore").entity(Boolean.class).isEqualTo(true);
    page.path("events.items[*].data").entityList(String.class).containsExactly("22", "21");
    page.path("events.items[0].cursor").valueIsNull();
    page.path("events.items[0].source").entity(String.class).isEqualTo("DEVICE");
    page.path("events.items[0].scope").entity(String.class).isEqualTo("PRIVATE");
    page.path("events.items[0].productId").entity(String.class).isEqualTo(productId);
    page.path("events.items[0].publishedAt").entity(String.class).satisfies(t -> t.endsWith("Z"));
    graphQl
        .document(HISTORY)
        .variable("f", Map.of("deviceId", ids.get(0), "namePrefix", "temp"))
        .variable("from", 2)
        .execute()
        .path("events.items[*].data")
        .entityList(String.class)
        .containsExactly("20");
    graphQl
        .document(HISTORY)
        .variable("f", Map.of("productId", productId, "namePrefix", "temp", "source", "DEVICE"))
        .execute()
        .path("events.total")
        .entity(Integer.class)
        .isEqualTo(4);
    // A prefix is a prefix, not a pattern.
    graphQl
        .document(HISTORY)
        .variable("f", Map.of("productId", productId, "namePrefix", "t_mp"))
        .execute()
        .path("events.total")
        .entity(Integer.class)
        .isEqualTo(0);
    graphQl
        .document(HISTORY)
        .variable(
            "f",
            Map.of(
                "deviceId",
                ids.get(0),
                "after",
                OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5).plusSeconds(3).toString()))
        .execute()
        .path("events.items[*].data")
        .entityList(String.class)
        .containsExactly("22", "open");

    assertRefused(
        graphQl.document(HISTORY).variable("f", Map.of("namePrefix", "temp%")), "INVALID_ARGUMENT");
    assertRefused(graphQl.document(HISTORY).variable("size", 1001), "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document(HISTORY).variable("f", Map.of("deviceId", unique("absent"))), "NOT_FOUND");
    // Another organization sees none of them.
    String elsewhere = tokenFor(unique("org"), Role.OWNER);
    assertRefused(
        as(elsewhere).document(HISTORY).variable("f", Map.of("deviceId", ids.get(0))), "NOT_FOUND");
  }

  @Test
  void anUploadIsTheCloudsOwnEvent() {
    String productId = createProduct();
    uploadFirmware(productId, "3.1.4", "image 3.1.4".getBytes(StandardCharsets.UTF_8));

    var page =
        graphQl
            .document(HISTORY)
            .variable("f", Map.of("productId", productId, "source", "CLOUD"))
            .execute();
    page.errors().verify();
    page.path("events.items[0].name").entity(String.class).isEqualTo("firmament/firmware/uploaded");
    page.path("events.items[0].deviceId").valueIsNull();
    page.path("events.items[0].data")
        .entity(String.class)
        .satisfies(d -> assertThat(d).contains("\"version\" : \"3.1.4\"", "\"sizeBytes\" : 11"));
  }

  @Test
  void persistentSubscriptionsAreNamedFiltersReadByTheirId() {
    String productId = createProduct();
    String name = unique("doors");
    String create =
        "mutation($in: CreateEventSubscriptionInput!) { createEventSubscription(input: $in) {"
            + " eventSubscription { id name target streamUrl createdBy filter { namePrefix"
            + " productId source } } } }";
    var created =
        graphQl
            .document(create)
            .variable(
                "in",
                Map.of(
                    "name",
                    name,
                    "filter",
                    Map.of("namePrefix", "door", "productId", productId, "source", "DEVICE")))
            .execute();
    created.errors().verify();
    String id =
        created.path("createEventSubscription.eventSubscription.id").entity(String.class).get();
    created
        .path("createEventSubscription.eventSubscription.streamUrl")
        .entity(String.class)
        .isEqualTo("/api/v1/events?subscription=" + id);
    created
        .path("createEventSubscription.eventSubscription.filter.source")
        .entity(String.class)
        .isEqualTo("DEVICE");
    created
        .path("createEventSubscription.eventSubscription.target")
        .entity(String.class)
        .isEqualTo("STREAM");

    assertRefused(
        graphQl
            .document(create)
            .variable("in", Map.of("name", name, "filter", Map.of("namePrefix", "x"))),
        "ALREADY_EXISTS");
    assertRefused(graphQl.document(create).variable("in", Map.of("name", " ")), "INVALID_ARGUMENT");
    assertRefused(
        graphQl
            .document(create)
            .variable(
                "in",
                Map.of(
                    "name",
                    unique("bad"),
                    "filter",
                    Map.of("productId", UUID.randomUUID().toString()))),
        "NOT_FOUND");
    assertRefused(
        as(tokenFor(TEST_ORGANIZATION, Role.AUDITOR))
            .document(create)
            .variable("in", Map.of("name", unique("a"))),
        "FORBIDDEN");

    graphQl
        .document(
            "query($id: ID) { eventStream(subscriptionId: $id) { url filter { namePrefix } } }")
        .variable("id", id)
        .execute()
        .path("eventStream.url")
        .entity(String.class)
        .isEqualTo("/api/v1/events?subscription=" + id);
    graphQl
        .document("query { eventStream(filter: {namePrefix: \"temp/a b\"}) { url } }")
        .execute()
        .errors()
        .satisfy(
            e ->
                assertThat(e)
                    .singleElement()
                    .satisfies(
                        x ->
                            assertThat(x.getExtensions())
                                .containsEntry("code", "INVALID_ARGUMENT")));
    graphQl
        .document(
            "query($p: ID) { eventStream(filter: {namePrefix: \"temp/\", productId: $p}) { url } }")
        .variable("p", productId)
        .execute()
        .path("eventStream.url")
        .entity(String.class)
        .isEqualTo("/api/v1/events?name=temp%2F&product=" + productId);
    assertRefused(
        graphQl
            .document(
                "query($id: ID) { eventStream(filter: {namePrefix: \"a\"}, subscriptionId: $id) { url } }")
            .variable("id", id),
        "INVALID_ARGUMENT");

    graphQl
        .document("{ eventSubscriptions(size: 1000) { items { id name } } }")
        .execute()
        .path("eventSubscriptions.items[*].name")
        .entityList(String.class)
        .contains(name);
    graphQl
        .document("mutation($id: ID!) { deleteEventSubscription(input: {id: $id}) { deletedId } }")
        .variable("id", id)
        .execute()
        .path("deleteEventSubscription.deletedId")
        .entity(String.class)
        .isEqualTo(id);
    assertRefused(
        graphQl
            .document(
                "mutation($id: ID!) { deleteEventSubscription(input: {id: $id}) { deletedId } }")
            .variable("id", id),
        "NOT_FOUND");
  }

  @Test
  void partitionsAheadAreMadeAndExpiredOnesDroppedWhole() {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    LocalDate old = today.minusDays(45);
    events.createPartition(old);
    assertThat(events.partitionDays()).contains(old);

    new dev.firmament.api.event.EventPartitions(events, java.time.Duration.ofDays(30))
        .maintain(today.plusDays(1));

    assertThat(events.partitionDays())
        .doesNotContain(old)
        .contains(today.plusDays(1), today.plusDays(4));
  }

  @Test
  void theEventStreamEndpointRefusesBadParametersWithATypedJsonError() {
    for (String[] bad :
        new String[][] {
          {"/api/v1/events?name=a%20b", "400", "INVALID_ARGUMENT"},
          {"/api/v1/events?source=SOMEWHERE", "400", "INVALID_ARGUMENT"},
          {"/api/v1/events?device=" + unique("absent"), "404", "NOT_FOUND"},
          {"/api/v1/events?subscription=" + UUID.randomUUID(), "404", "NOT_FOUND"},
          {"/api/v1/events?after=not-a-cursor", "400", "INVALID_ARGUMENT"}
        }) {
      var response =
          mvc.get()
              .uri(bad[0])
              .header("Authorization", "Bearer " + ownerToken())
              .header("Accept", "text/event-stream")
              .exchange()
              .getResponse();
      assertThat(response.getStatus()).as(bad[0]).isEqualTo(Integer.parseInt(bad[1]));
      assertThat(response.getContentType()).as(bad[0]).startsWith("application/json");
      try {
        assertThat(response.getContentAsString())
            .as(bad[0])
            .contains("\"code\":\"" + bad[2] + "\"");
      } catch (java.io.UnsupportedEncodingException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** A customer of the product with one of its devices mapped to it, and the customer's token. */
  private String customerTokenFor(String productId, String deviceId) {
    String customerId =
        graphQl
            .document(
                "mutation($p: ID!, $e: String!) { createCustomer(input: {productId: $p, email: $e})"
                    + " { customer { id } } }")
            .variable("p", productId)
            .variable("e", unique("buyer") + "@example.test")
            .execute()
            .path("createCustomer.customer.id")
            .entity(String.class)
            .get();
    graphQl
        .document(
            "mutation($c: ID!, $d: ID!) { mapCustomerDevice(input: {customerId: $c, deviceId: $d})"
                + " { mapping { deviceId } } }")
        .variable("c", customerId)
        .variable("d", deviceId)
        .execute()
        .path("mapCustomerDevice.mapping.deviceId")
        .entity(String.class)
        .isEqualTo(deviceId);
    return graphQl
        .document(
            "mutation($c: ID!) { createCustomerToken(input: {customerId: $c, name: \"app\"}) {"
                + " token } }")
        .variable("c", customerId)
        .execute()
        .path("createCustomerToken.token")
        .entity(String.class)
        .get();
  }

  @Test
  void aCustomerReadsOnlyItsDevicesProductEvents() {
    String productId = createProduct();
    List<String> ids = registerDevices(productId, unique("cust"), 2);
    String mine = ids.get(0);
    String other = ids.get(1);
    publishScoped(mine, "product", "door", "open", "door", "closed");
    publishScoped(mine, "private", "secret", "x");
    publishScoped(other, "product", "door", "theirs");
    String token = customerTokenFor(productId, mine);

    var seen = as(token).document(HISTORY).execute();
    seen.errors().verify();
    seen.path("events.total").entity(Integer.class).isEqualTo(2);
    seen.path("events.items[*].data").entityList(String.class).containsExactly("closed", "open");
    seen.path("events.items[*].deviceId").entityList(String.class).containsExactly(mine, mine);
    seen.path("events.items[*].scope")
        .entityList(String.class)
        .containsExactly("PRODUCT", "PRODUCT");
    // The organization's members still see every event of both devices.
    graphQl
        .document(HISTORY)
        .variable("f", Map.of("productId", productId))
        .execute()
        .path("events.total")
        .entity(Integer.class)
        .isEqualTo(4);

    // Another customer's device is not there for it; the cloud's events and the organization's
    // persistent subscriptions are not the customer's.
    assertRefused(
        as(token).document(HISTORY).variable("f", Map.of("deviceId", other)), "NOT_FOUND");
    assertRefused(
        as(token).document(HISTORY).variable("f", Map.of("source", "CLOUD")), "FORBIDDEN");
    var streamOfSubscription =
        mvc.get()
            .uri("/api/v1/events?subscription=" + UUID.randomUUID())
            .header("Authorization", "Bearer " + token)
            .header("Accept", "text/event-stream")
            .exchange()
            .getResponse();
    assertThat(streamOfSubscription.getStatus()).isEqualTo(403);
    var streamOfCloud =
        mvc.get()
            .uri("/api/v1/events?source=CLOUD")
            .header("Authorization", "Bearer " + token)
            .header("Accept", "text/event-stream")
            .exchange()
            .getResponse();
    assertThat(streamOfCloud.getStatus()).isEqualTo(403);
  }
}
