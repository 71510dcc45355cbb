package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.PRODUCTS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The organization's products: paged, filtered and sorted like every list; renamed; deleted. */
class ProductsTest extends ApiIntegrationTest {
  private static final String PAGE =
      "query($f: ProductFilter, $from: Int, $size: Int, $sort: String) { login { products(filter:"
          + " $f, from: $from, size: $size, sort: $sort) { total hasMore last items { id slug"
          + " name } } } }";

  @Test
  void productsPageFilterAndSortAsEveryList() {
    String prefix = unique("Line").toLowerCase(java.util.Locale.ROOT);
    List<String> ids =
        List.of("b", "a", "c").stream()
            .map(
                n ->
                    graphQl
                        .document(
                            "mutation($n: String!, $s: String!) { createProduct(input: {name: $n,"
                                + " slug: $s}) { product { id } } }")
                        .variable("n", prefix + " " + n)
                        .variable("s", prefix + "-" + n)
                        .execute()
                        .path("createProduct.product.id")
                        .entity(String.class)
                        .get())
            .toList();
    Map<String, Object> mine = Map.of("namePrefix", prefix.toUpperCase(java.util.Locale.ROOT));

    var first = graphQl.document(PAGE).variable("f", mine).variable("size", 2).execute();
    first.path("login.products.total").entity(Integer.class).isEqualTo(3);
    first.path("login.products.hasMore").entity(Boolean.class).isEqualTo(true);
    first.path("login.products.last").entity(Integer.class).isEqualTo(1);
    first
        .path("login.products.items[*].id")
        .entityList(String.class)
        .containsExactly(ids.get(1), ids.get(0));
    graphQl
        .document(PAGE)
        .variable("f", mine)
        .variable("from", 2)
        .execute()
        .path("login.products.items[*].id")
        .entityList(String.class)
        .containsExactly(ids.get(2));
    graphQl
        .document(PAGE)
        .variable("f", mine)
        .variable("sort", "-slug")
        .execute()
        .path("login.products.items[*].id")
        .entityList(String.class)
        .containsExactly(ids.get(2), ids.get(0), ids.get(1));
    graphQl
        .document(PAGE)
        .variable("f", Map.of("slug", prefix + "-c"))
        .execute()
        .path("login.products.items[*].id")
        .entityList(String.class)
        .containsExactly(ids.get(2));

    assertRefused(graphQl.document(PAGE).variable("size", 1001), "INVALID_ARGUMENT");
    assertRefused(graphQl.document(PAGE).variable("sort", "colour"), "INVALID_ARGUMENT");
    assertRefused(
        graphQl.document(PAGE).variable("f", Map.of("namePrefix", "")), "INVALID_ARGUMENT");
    assertRefused(graphQl.document(PAGE).variable("f", Map.of("fleetId", "x")), "NOT_FOUND");
  }

  @Test
  void aProductIsRenamedAndDeletedOnlyWhenNothingHangsOnIt() {
    String empty = createProduct();
    String used = createProduct();
    registerDevices(used, unique("dev"), 1);

    graphQl
        .document(
            "mutation($id: ID!) { updateProduct(input: {id: $id, name: \"Renamed\"}) { product {"
                + " name slug } } }")
        .variable("id", empty)
        .execute()
        .path("updateProduct.product.name")
        .entity(String.class)
        .isEqualTo("Renamed");
    assertRefused(
        graphQl
            .document(
                "mutation($id: ID!) { updateProduct(input: {id: $id, name: \" \"}) { product { id"
                    + " } } }")
            .variable("id", empty),
        "INVALID_ARGUMENT");

    String delete = "mutation($id: ID!) { deleteProduct(input: {id: $id}) { deletedProductId } }";
    assertRefused(graphQl.document(delete).variable("id", used), "FAILED_PRECONDITION");
    assertThat(dsl.fetchExists(PRODUCTS, PRODUCTS.ID.eq(UUID.fromString(used)))).isTrue();
    graphQl
        .document(delete)
        .variable("id", empty)
        .execute()
        .path("deleteProduct.deletedProductId")
        .entity(String.class)
        .isEqualTo(empty);
    assertThat(dsl.fetchExists(PRODUCTS, PRODUCTS.ID.eq(UUID.fromString(empty)))).isFalse();
    assertRefused(graphQl.document(delete).variable("id", empty), "NOT_FOUND");
  }
}
