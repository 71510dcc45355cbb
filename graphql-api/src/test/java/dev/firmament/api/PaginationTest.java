package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code login.devices} follows the pagination guide: from/size, total/hasMore/last, size ≤ 1000.
 */
class PaginationTest extends ApiIntegrationTest {

  @Test
  void walksEveryDeviceOncePageByPage() {
    registerDevices(createProduct(), unique("page"), 250);
    java.util.UUID organization =
        java.util.UUID.fromString(
            graphQl
                .document("{ login { organization { id } } }")
                .execute()
                .path("login.organization.id")
                .entity(String.class)
                .get());
    // The devices of the caller's organization: other tests keep their own organizations.
    int total = dsl.fetchCount(DEVICES, DEVICES.ORGANIZATION_ID.eq(organization));
    int size = 100;
    List<String> seen = new ArrayList<>();
    int from = 0;
    boolean hasMore = true;
    while (hasMore) {
      var page =
          graphQl
              .documentName("LoginDevices")
              .variable("from", from)
              .variable("size", size)
              .variable("sort", "id")
              .execute();
      page.path("login.devices.total").entity(Integer.class).isEqualTo(total);
      List<String> ids = page.path("login.devices.items[*].id").entityList(String.class).get();
      int expected = Math.min(size, total - from);
      assertThat(ids).hasSize(expected);
      page.path("login.devices.last").entity(Integer.class).isEqualTo(from + expected - 1);
      hasMore = page.path("login.devices.hasMore").entity(Boolean.class).get();
      assertThat(hasMore).isEqualTo(from + expected < total);
      seen.addAll(ids);
      from += expected;
    }
    assertThat(seen).hasSize(total).doesNotHaveDuplicates().isSorted();
    assertThat(new HashSet<>(seen)).hasSize(total);
  }

  @Test
  void pageBeyondTheEndIsEmpty() {
    registerDevices(createProduct(), unique("end"), 1);
    int total = dsl.fetchCount(DEVICES);
    var page =
        graphQl.documentName("LoginDevices").variable("from", total).variable("size", 10).execute();
    page.path("login.devices.items").entityList(Object.class).hasSize(0);
    page.path("login.devices.hasMore").entity(Boolean.class).isEqualTo(false);
    page.path("login.devices.last").valueIsNull();
  }

  @Test
  void sizeAboveOneThousandIsRefused() {
    graphQl.documentName("LoginDevices").variable("size", 1000).execute().errors().verify();
    assertRefused(graphQl.documentName("LoginDevices").variable("size", 1001), "INVALID_ARGUMENT");
    assertRefused(graphQl.documentName("LoginDevices").variable("from", -1), "INVALID_ARGUMENT");
    assertRefused(
        graphQl.documentName("LoginDevices").variable("sort", "color"), "INVALID_ARGUMENT");
    assertRefused(
        graphQl
            .documentName("ListProductDevices")
            .variable("productId", createProduct())
            .variable("perPage", 1001),
        "INVALID_ARGUMENT");
  }

  @Test
  void sortsByNameByDefaultAndDescendingWithMinus() {
    var ascending =
        graphQl
            .documentName("LoginDevices")
            .variable("size", 1000)
            .execute()
            .path("login.devices.items[*].name")
            .entityList(String.class)
            .get();
    assertThat(ascending).isSorted();
    var descending =
        graphQl
            .documentName("LoginDevices")
            .variable("size", 1000)
            .variable("sort", "-id")
            .execute()
            .path("login.devices.items[*].id")
            .entityList(String.class)
            .get();
    assertThat(descending).isSortedAccordingTo(java.util.Comparator.reverseOrder());
  }
}
