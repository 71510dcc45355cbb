package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.graphql.test.tester.HttpGraphQlTester;

/**
 * Lists under another item (a product's firmware and groups, a team's members, a customer's
 * devices) page like every list, each parent with its own total, and are loaded for a page of
 * parents at once; a size above 1000 and an unknown sort key are typed errors.
 */
class ChildListsTest extends ApiIntegrationTest {

  @Test
  void eachProductOfAPageHasItsOwnPageOfFirmwareAndGroups() {
    String owner = tokenFor(unique("children"), Role.OWNER);
    HttpGraphQlTester api = as(owner);
    String big = createProduct(api);
    String small = createProduct(api);
    for (String version : List.of("2.0.0", "1.0.0", "3.0.0")) {
      uploadFirmware(api, big, version, ("big product " + version).getBytes());
    }
    uploadFirmware(api, small, "9.0.0", "small product 9.0.0".getBytes());
    for (String name : List.of("west", "east", "north")) {
      group(api, big, name);
    }

    String query =
        "query($from: Int, $size: Int, $sort: String, $groupSort: String) { login { products {"
            + " items { id firmware(from: $from, size: $size, sort: $sort) { total hasMore last"
            + " items { version } } groups(from: $from, size: $size, sort: $groupSort) { total"
            + " hasMore last items { name } } } } } }";
    var byVersion =
        api.document(query)
            .variable("from", 0)
            .variable("size", 2)
            .variable("sort", "version")
            .execute();
    byVersion.errors().verify();
    String bigPath = "login.products.items[?(@.id == '" + big + "')]";
    String smallPath = "login.products.items[?(@.id == '" + small + "')]";
    assertThat(
            byVersion.path(bigPath + ".firmware.items[*].version").entityList(String.class).get())
        .containsExactly("1.0.0", "2.0.0");
    assertThat(byVersion.path(bigPath + ".firmware.total").entityList(Integer.class).get())
        .containsExactly(3);
    assertThat(byVersion.path(bigPath + ".firmware.hasMore").entityList(Boolean.class).get())
        .containsExactly(true);
    assertThat(byVersion.path(bigPath + ".firmware.last").entityList(Integer.class).get())
        .containsExactly(1);
    assertThat(
            byVersion.path(smallPath + ".firmware.items[*].version").entityList(String.class).get())
        .containsExactly("9.0.0");
    assertThat(byVersion.path(smallPath + ".firmware.hasMore").entityList(Boolean.class).get())
        .containsExactly(false);
    assertThat(byVersion.path(bigPath + ".groups.items[*].name").entityList(String.class).get())
        .containsExactly("east", "north");
    assertThat(byVersion.path(smallPath + ".groups.total").entityList(Integer.class).get())
        .containsExactly(0);

    // The defaults: newest upload first, groups by name; the second page of the descending order.
    var defaults = api.document(query).execute();
    assertThat(defaults.path(bigPath + ".firmware.items[*].version").entityList(String.class).get())
        .containsExactly("3.0.0", "1.0.0", "2.0.0");
    var second =
        api.document(query)
            .variable("from", 1)
            .variable("size", 1)
            .variable("sort", "-version")
            .variable("groupSort", "-name")
            .execute();
    assertThat(second.path(bigPath + ".firmware.items[*].version").entityList(String.class).get())
        .containsExactly("2.0.0");
    assertThat(second.path(bigPath + ".groups.items[*].name").entityList(String.class).get())
        .containsExactly("north");

    // Past the end: the total still counts, the page is empty.
    var past = api.document(query).variable("from", 10).execute();
    assertThat(past.path(bigPath + ".firmware.total").entityList(Integer.class).get())
        .containsExactly(3);
    assertThat(past.path(bigPath + ".firmware.items[*]").entityList(Object.class).get()).isEmpty();
    assertThat(past.path(bigPath + ".groups.total").entityList(Integer.class).get())
        .containsExactly(3);
  }

  @Test
  void aTeamsMembersAndACustomersDevicesPage() {
    String organization = unique("children");
    String owner = tokenFor(organization, Role.OWNER);
    HttpGraphQlTester api = as(owner);
    String red = team(api, "red");
    String blue = team(api, "blue");
    for (String name : List.of("carol", "alice", "bob")) {
      String email = name + "-" + organization + "@example.test";
      bootstrap.issueToken(organization, email, Role.AUDITOR, "t");
      addMember(api, red, email);
    }
    addMember(api, blue, "alice-" + organization + "@example.test");

    String teams =
        "query($size: Int, $sort: String) { login { organization { teams { items { id"
            + " members(size: $size, sort: $sort) { total hasMore items { user { email } } } } } } } }";
    var page = api.document(teams).variable("size", 2).variable("sort", "-email").execute();
    page.errors().verify();
    String redPath = "login.organization.teams.items[?(@.id == '" + red + "')].members";
    String bluePath = "login.organization.teams.items[?(@.id == '" + blue + "')].members";
    assertThat(page.path(redPath + ".items[*].user.email").entityList(String.class).get())
        .containsExactly(
            "carol-" + organization + "@example.test", "bob-" + organization + "@example.test");
    assertThat(page.path(redPath + ".total").entityList(Integer.class).get()).containsExactly(3);
    assertThat(page.path(bluePath + ".total").entityList(Integer.class).get()).containsExactly(1);
    assertThat(page.path(bluePath + ".hasMore").entityList(Boolean.class).get())
        .containsExactly(false);

    String product = createProduct(api);
    List<String> devices = registerDevices(api, product, unique("mapped"), 3);
    String customer =
        api.document(
                "mutation($p: ID!, $e: String!) { createCustomer(input: {productId: $p, email: $e})"
                    + " { customer { id } } }")
            .variable("p", product)
            .variable("e", unique("customer") + "@example.test")
            .execute()
            .path("createCustomer.customer.id")
            .entity(String.class)
            .get();
    for (String device : devices) {
      api.document(
              "mutation($c: ID!, $d: ID!) { mapCustomerDevice(input: {customerId: $c, deviceId:"
                  + " $d}) { mapping { deviceId } } }")
          .variable("c", customer)
          .variable("d", device)
          .execute()
          .errors()
          .verify();
    }
    var mapped =
        api.document(
                "{ login { organization { customers { items { id devices(from: 1, size: 1) {"
                    + " total hasMore last items { deviceId } } } } } } }")
            .execute();
    String customerPath =
        "login.organization.customers.items[?(@.id == '" + customer + "')].devices";
    assertThat(mapped.path(customerPath + ".items[*].deviceId").entityList(String.class).get())
        .containsExactly(devices.stream().sorted().toList().get(1));
    assertThat(mapped.path(customerPath + ".total").entityList(Integer.class).get())
        .containsExactly(3);
    assertThat(mapped.path(customerPath + ".last").entityList(Integer.class).get())
        .containsExactly(1);
  }

  @Test
  void everyChildListRefusesAnOversizedPageAndAnUnknownSortKey() {
    String owner = tokenFor(unique("children"), Role.OWNER);
    HttpGraphQlTester api = as(owner);
    String product = createProduct(api);
    team(api, "green");
    api.document(
            "mutation($p: ID!, $e: String!) { createCustomer(input: {productId: $p, email: $e})"
                + " { customer { id } } }")
        .variable("p", product)
        .variable("e", unique("customer") + "@example.test")
        .execute()
        .errors()
        .verify();
    for (String list :
        List.of(
            "products(size: 1) { items { firmware(size: $size, sort: $sort) { total } } }",
            "products(size: 1) { items { groups(size: $size, sort: $sort) { total } } }",
            "organization { teams(size: 1) { items { members(size: $size, sort: $sort) { total } } } }",
            "organization { customers(size: 1) { items { devices(size: $size, sort: $sort) { total } } } }")) {
      String query = "query($size: Int, $sort: String) { login { " + list + " } }";
      assertRefused(api.document(query).variable("size", 5000), "INVALID_ARGUMENT");
      assertRefused(api.document(query).variable("sort", "shoeSize"), "INVALID_ARGUMENT");
      api.document(query).execute().errors().verify();
    }
  }

  private static void group(HttpGraphQlTester api, String product, String name) {
    api.documentName("CreateDeviceGroup")
        .variable("productId", product)
        .variable("name", name)
        .variable("deviceIds", List.of())
        .execute()
        .errors()
        .verify();
  }

  private static String team(HttpGraphQlTester api, String name) {
    return api.document("mutation($n: String!) { createTeam(input: {name: $n}) { team { id } } }")
        .variable("n", name)
        .execute()
        .path("createTeam.team.id")
        .entity(String.class)
        .get();
  }

  private static void addMember(HttpGraphQlTester api, String team, String email) {
    api.document(
            "mutation($t: ID!, $e: String!) { addTeamMember(input: {teamId: $t, email: $e}) {"
                + " member { user { email } } } }")
        .variable("t", team)
        .variable("e", email)
        .execute()
        .errors()
        .verify();
  }
}
