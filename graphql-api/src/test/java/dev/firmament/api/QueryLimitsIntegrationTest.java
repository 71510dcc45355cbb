package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

/**
 * The query limits on the real schema with their default settings: each just under and just over
 * its maximum, the aliased query of the abuse report, and GraphiQL's introspection.
 */
class QueryLimitsIntegrationTest extends ApiIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Autowired MockMvcTester mvc;

  /** Posts a document as the owner and answers the GraphQL response. */
  private JsonNode post(String document, Map<String, Object> variables) throws Exception {
    var result =
        mvc.post()
            .uri("/graphql")
            .header("Authorization", "Bearer " + ownerToken())
            .contentType(MediaType.APPLICATION_JSON)
            .content(JSON.writeValueAsString(Map.of("query", document, "variables", variables)))
            .exchange();
    return JSON.readTree(result.getResponse().getContentAsString());
  }

  private JsonNode post(String document) throws Exception {
    return post(document, Map.of());
  }

  private static void assertRan(JsonNode answer) {
    assertThat(answer.path("errors").isMissingNode()).as(answer.toString()).isTrue();
    assertThat(answer.path("data").isObject()).isTrue();
  }

  private static void assertRefused(JsonNode answer, String limit, long max, long actual) {
    assertThat(answer.path("errors")).as(answer.toString()).hasSize(1);
    JsonNode extensions = answer.path("errors").get(0).path("extensions");
    assertThat(extensions.path("code").asText()).isEqualTo("QUERY_TOO_COMPLEX");
    assertThat(extensions.path("classification").asText()).isEqualTo("BAD_REQUEST");
    assertThat(extensions.path("limit").asText()).isEqualTo(limit);
    assertThat(extensions.path("max").asLong()).isEqualTo(max);
    assertThat(extensions.path("actual").asLong()).isEqualTo(actual);
    assertThat(answer.path("errors").get(0).path("message").asText()).contains(limitName(limit));
    assertThat(answer.has("data")).as("nothing ran").isFalse();
  }

  private static String limitName(String limit) {
    return switch (limit) {
      case "documentSize" -> "document size";
      case "aliases" -> "number of aliases";
      default -> limit;
    };
  }

  private static String aliased(int count, String selection) {
    return IntStream.range(0, count)
        .mapToObj(i -> "a" + i + ": " + selection)
        .collect(Collectors.joining(" ", "{ ", " }"));
  }

  @Test
  void theReportedAliasedQueryIsRefusedBeforeItRuns() throws Exception {
    String document = aliased(300, "login { devices(size: 1000) { items { id } } }");

    assertRefused(post(document), "aliases", 30, 31);
    // Within the alias limit the same query is still refused, on its cost: each alias asks for
    // 1,000 devices with five fields (2 + 1000 × 5 = 5,002), and 30 of them exceed 150,000.
    String wide = "login { devices(size: 1000) { items { id name online lastIp } } }";
    assertRefused(post(aliased(30, wide)), "cost", 150_000, 150_060);
    JsonNode allowed = post(aliased(29, wide));
    assertRan(allowed);
    assertThat(allowed.path("data").size()).isEqualTo(29);
  }

  @Test
  void documentSizeJustUnderAndJustOver() throws Exception {
    String query = "{ login { organization { slug } } }\n#";
    String atLimit = query + "x".repeat(20_000 - query.length());
    assertThat(atLimit).hasSize(20_000);

    assertRan(post(atLimit));
    assertRefused(post(atLimit + "x"), "documentSize", 20_000, 20_001);
  }

  @Test
  void depthJustUnderAndJustOver() throws Exception {
    String productId = createProduct();
    registerDevices(productId, unique("deep"), 1);
    // product (1) devices (2) product (3) ...: with n levels the innermost id is at depth 2n + 2;
    // with 6 the id selected first under the sixth devices (depth 12) is the one at 13.
    assertRan(post(deep(5), Map.of("id", productId)));
    assertRefused(post(deep(6), Map.of("id", productId)), "depth", 12, 13);
  }

  private static String deep(int levels) {
    String inner = "id";
    for (int i = 0; i < levels; i++) {
      inner = "id devices(perPage: 1) { id product { " + inner + " } }";
    }
    return "query($id: ID!) { product(id: $id) { " + inner + " } }";
  }

  @Test
  void aliasesJustUnderAndJustOver() throws Exception {
    assertRan(post(aliased(30, "login { organization { slug } }")));
    assertRefused(post(aliased(31, "login { organization { slug } }")), "aliases", 30, 31);
  }

  @Test
  void costJustUnderAndJustOver() throws Exception {
    // login (1) + devices (1) + size × (items + id) = 2 + 2 × size.
    String document = "query($size: Int) { login { devices(size: $size) { items { id } } } }";
    JsonNode atLimit = post(document, Map.of("size", 74_999));
    // The document passes the limits and reaches the field, which refuses pages above 1,000.
    assertThat(atLimit.path("errors").get(0).path("extensions").path("code").asText())
        .isEqualTo("INVALID_ARGUMENT");
    assertRefused(post(document, Map.of("size", 75_000)), "cost", 150_000, 150_002);
  }

  @Test
  void graphiqlsIntrospectionQueryPasses() throws Exception {
    JsonNode answer = post(GRAPHIQL_INTROSPECTION);
    assertRan(answer);
    assertThat(answer.path("data").path("__schema").path("types").size()).isGreaterThan(20);
  }

  /** The introspection query GraphiQL sends on load (graphql-js getIntrospectionQuery). */
  private static final String GRAPHIQL_INTROSPECTION =
      """
      query IntrospectionQuery {
        __schema {
          description
          queryType { name kind }
          mutationType { name kind }
          subscriptionType { name kind }
          types { ...FullType }
          directives {
            name
            description
            isRepeatable
            locations
            args(includeDeprecated: true) { ...InputValue }
          }
        }
      }
      fragment FullType on __Type {
        kind
        name
        description
        specifiedByURL
        isOneOf
        fields(includeDeprecated: true) {
          name
          description
          args(includeDeprecated: true) { ...InputValue }
          type { ...TypeRef }
          isDeprecated
          deprecationReason
        }
        inputFields(includeDeprecated: true) { ...InputValue }
        interfaces { ...TypeRef }
        enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
        possibleTypes { ...TypeRef }
      }
      fragment InputValue on __InputValue {
        name
        description
        type { ...TypeRef }
        defaultValue
        isDeprecated
        deprecationReason
      }
      fragment TypeRef on __Type {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                    ofType {
                      kind
                      name
                      ofType { kind name ofType { kind name } }
                    }
                  }
                }
              }
            }
          }
        }
      }
      """;
}
