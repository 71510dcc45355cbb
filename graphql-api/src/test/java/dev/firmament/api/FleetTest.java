package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.FLEETS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Fleets: products under a management context, owned by the organization and by members. */
class FleetTest extends ApiIntegrationTest {
  private static final String OWNERSHIP =
      "mutation($f: ID!, $e: String!, $r: String!) { grantFleetOwnership(input: {fleetId: $f,"
          + " email: $e, role: $r}) { ownership { id ownerKind role user { email } } } }";
  private static final String REVOKE =
      "mutation($o: ID!) { revokeFleetOwnership(input: {ownershipId: $o}) { ownership { id } } }";

  @Test
  void aFleetHoldsProductsAndIsOwnedByTheOrganizationAndItsMembers() {
    String first = createProduct();
    String second = createProduct();
    String name = unique("fleet");
    var created =
        graphQl
            .documentName("CreateFleet")
            .variable("name", name)
            .variable("description", "pumps in the field")
            .variable("productIds", List.of(first, second))
            .execute();
    String fleet = created.path("createFleet.fleet.id").entity(String.class).get();
    created
        .path("createFleet.fleet.products[*].fleet.id")
        .entityList(String.class)
        .containsExactly(fleet, fleet)
        .path("createFleet.fleet.ownerships[0].ownerKind")
        .entity(String.class)
        .isEqualTo("ORGANIZATION")
        .path("createFleet.fleet.ownerships[0].role")
        .entity(String.class)
        .isEqualTo("OWNER")
        .path("createFleet.fleet.ownerships[0].fleet.id")
        .entity(String.class)
        .isEqualTo(fleet);

    String granted =
        graphQl
            .document(OWNERSHIP)
            .variable("f", fleet)
            .variable("e", "OWNER@test.firmament.dev")
            .variable("r", "MANAGER")
            .execute()
            .path("grantFleetOwnership.ownership.user.email")
            .entity(String.class)
            .isEqualTo("owner@test.firmament.dev")
            .path("grantFleetOwnership.ownership.id")
            .entity(String.class)
            .get();
    graphQl
        .document("query($id: ID!) { fleet(id: $id) { ownerships { ownerKind role } } }")
        .variable("id", fleet)
        .execute()
        .path("fleet.ownerships[*].ownerKind")
        .entityList(String.class)
        .containsExactly("ORGANIZATION", "USER");
    graphQl
        .document(REVOKE)
        .variable("o", granted)
        .execute()
        .path("revokeFleetOwnership.ownership.id")
        .entity(String.class)
        .isEqualTo(granted);

    // Renamed, then one product taken out, then the fleet deleted: its products stay.
    graphQl
        .document(
            "mutation($id: ID!, $n: String) { updateFleet(input: {id: $id, name: $n,"
                + " description: \"\"}) { fleet { name description } } }")
        .variable("id", fleet)
        .variable("n", name + "-renamed")
        .execute()
        .path("updateFleet.fleet.description")
        .valueIsNull();
    graphQl
        .document(
            "mutation($p: [ID!]!) { assignProductsToFleet(input: {productIds: $p}) { products {"
                + " fleet { id } } } }")
        .variable("p", List.of(second))
        .execute()
        .path("assignProductsToFleet.products[0].fleet")
        .valueIsNull();
    graphQl
        .document("{ login { fleets(size: 1000) { total items { name products { id } } } } }")
        .execute()
        .path("login.fleets.items[?(@.name == '" + name + "-renamed')].products[*].id")
        .entityList(String.class)
        .containsExactly(first);
    graphQl
        .document("mutation($id: ID!) { deleteFleet(input: {id: $id}) { deletedFleetId } }")
        .variable("id", fleet)
        .execute()
        .path("deleteFleet.deletedFleetId")
        .entity(String.class)
        .isEqualTo(fleet);
    graphQl
        .document("query($id: ID!) { product(id: $id) { fleet { id } } }")
        .variable("id", first)
        .execute()
        .path("product.fleet")
        .valueIsNull();
  }

  @Test
  void badFleetInputIsRefusedAndWritesNothing() {
    String name = unique("fleet");
    String fleet =
        graphQl
            .documentName("CreateFleet")
            .variable("name", name)
            .execute()
            .path("createFleet.fleet.id")
            .entity(String.class)
            .get();
    int fleets = dsl.fetchCount(FLEETS);
    assertRefused(graphQl.documentName("CreateFleet").variable("name", name), "ALREADY_EXISTS");
    assertRefused(graphQl.documentName("CreateFleet").variable("name", " "), "INVALID_ARGUMENT");
    assertRefused(
        graphQl
            .documentName("CreateFleet")
            .variable("name", unique("f"))
            .variable("productIds", List.of(java.util.UUID.randomUUID().toString())),
        "NOT_FOUND");
    assertThat(dsl.fetchCount(FLEETS)).isEqualTo(fleets);
    assertRefused(
        graphQl
            .document(OWNERSHIP)
            .variable("f", fleet)
            .variable("e", "owner@test.firmament.dev")
            .variable("r", "ADMIN"),
        "INVALID_ARGUMENT");
    assertRefused(
        graphQl
            .document(OWNERSHIP)
            .variable("f", fleet)
            .variable("e", "stranger@example.com")
            .variable("r", "VIEWER"),
        "NOT_FOUND");
    String organizationOwnership =
        graphQl
            .document("query($id: ID!) { fleet(id: $id) { ownerships { id } } }")
            .variable("id", fleet)
            .execute()
            .path("fleet.ownerships[0].id")
            .entity(String.class)
            .get();
    assertRefused(
        graphQl.document(REVOKE).variable("o", organizationOwnership), "FAILED_PRECONDITION");
    assertRefused(
        graphQl.document("{ login { fleets(size: 5000) { total } } }"), "INVALID_ARGUMENT");
  }
}
