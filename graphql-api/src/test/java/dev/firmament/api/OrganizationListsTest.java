package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The organization's own lists (members, teams, customers, tokens, OAuth2 clients, signing keys)
 * page and sort as every list does: {@code from}/{@code size}/{@code sort}, {@code total}, {@code
 * hasMore}, {@code last}; a size above 1000 and an unknown sort key are typed errors.
 */
class OrganizationListsTest extends ApiIntegrationTest {
  private static final String MEMBERS =
      "query($from: Int, $size: Int, $sort: String) { login { organization {"
          + " members(from: $from, size: $size, sort: $sort) { total hasMore last"
          + " items { user { email } role } } } } }";

  @Test
  void membersPageInTheOrderAskedForWithTheTotalOfAll() {
    String organization = unique("lists");
    String owner = tokenFor(organization, Role.OWNER);
    for (String name : List.of("carol", "alice", "bob")) {
      bootstrap.issueToken(
          organization, name + "-" + organization + "@example.test", Role.AUDITOR, "t");
    }
    // The owner and the three others: four members.
    var first =
        as(owner)
            .document(MEMBERS)
            .variable("from", 0)
            .variable("size", 2)
            .variable("sort", "email")
            .execute();
    first.path("login.organization.members.total").entity(Integer.class).isEqualTo(4);
    first.path("login.organization.members.hasMore").entity(Boolean.class).isEqualTo(true);
    first.path("login.organization.members.last").entity(Integer.class).isEqualTo(1);
    List<String> firstEmails =
        first.path("login.organization.members.items[*].user.email").entityList(String.class).get();
    assertThat(firstEmails).hasSize(2).isSorted();

    var rest =
        as(owner)
            .document(MEMBERS)
            .variable("from", 2)
            .variable("size", 2)
            .variable("sort", "email")
            .execute();
    rest.path("login.organization.members.hasMore").entity(Boolean.class).isEqualTo(false);
    rest.path("login.organization.members.last").entity(Integer.class).isEqualTo(3);
    List<String> restEmails =
        rest.path("login.organization.members.items[*].user.email").entityList(String.class).get();
    assertThat(restEmails).hasSize(2).isSorted().doesNotContainAnyElementsOf(firstEmails);
    assertThat(firstEmails.getLast()).isLessThan(restEmails.getFirst());

    List<String> descending =
        as(owner)
            .document(MEMBERS)
            .variable("sort", "-email")
            .execute()
            .path("login.organization.members.items[*].user.email")
            .entityList(String.class)
            .get();
    assertThat(descending).hasSize(4).isSortedAccordingTo(java.util.Comparator.reverseOrder());

    // Past the end: an empty page that still says how many there are.
    var past = as(owner).document(MEMBERS).variable("from", 10).execute();
    past.path("login.organization.members.total").entity(Integer.class).isEqualTo(4);
    past.path("login.organization.members.items").entityList(Object.class).hasSize(0);
    past.path("login.organization.members.last").valueIsNull();
  }

  @Test
  void everyOrganizationListRefusesAnOversizedPageAndAnUnknownSortKey() {
    String owner = tokenFor(unique("lists"), Role.OWNER);
    for (String list :
        List.of("members", "teams", "customers", "apiTokens", "oauth2Clients", "signingKeys")) {
      String paged =
          "query($size: Int, $sort: String) { login { organization { "
              + list
              + "(size: $size, sort: $sort) { total items { __typename } } } } }";
      assertRefused(as(owner).document(paged).variable("size", 5000), "INVALID_ARGUMENT");
      assertRefused(as(owner).document(paged).variable("sort", "shoeSize"), "INVALID_ARGUMENT");
      as(owner)
          .document(paged)
          .execute()
          .path("login.organization." + list + ".total")
          .entity(Integer.class)
          .satisfies(total -> assertThat(total).isNotNegative());
    }
  }
}
