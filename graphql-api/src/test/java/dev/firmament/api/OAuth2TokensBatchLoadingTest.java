package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.OAUTH2_CLIENTS;
import static dev.firmament.sql.generated.Tables.OAUTH2_TOKENS;
import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A page of OAuth2 clients with their tokens costs the same number of SQL statements for 20 clients
 * as for 2, and each client gets its own tokens, newest first.
 */
class OAuth2TokensBatchLoadingTest extends ApiIntegrationTest {
  private static final String PAGE =
      """
      query Page($size: Int) {
        login { organization { oauth2Clients(size: $size) { items { name tokens { scopes } } } } }
      }""";

  @Autowired SharedTestBeans.StatementCounter counter;

  @Test
  void aPageOfTwentyClientsCostsTheStatementsOfAPageOfTwo() {
    UUID org =
        dsl.select(ORGANIZATIONS.ID)
            .from(ORGANIZATIONS)
            .where(ORGANIZATIONS.SLUG.eq(TEST_ORGANIZATION))
            .fetchSingle(ORGANIZATIONS.ID);
    String prefix = "ob" + UUID.randomUUID().toString().substring(0, 8);
    OffsetDateTime now = OffsetDateTime.now();
    // Client i holds i % 3 tokens; the newest has the scope devices:write.
    for (int i = 0; i < 20; i++) {
      UUID client = UUID.randomUUID();
      dsl.insertInto(OAUTH2_CLIENTS)
          .set(OAUTH2_CLIENTS.ID, client)
          .set(OAUTH2_CLIENTS.ORGANIZATION_ID, org)
          .set(OAUTH2_CLIENTS.CLIENT_ID, prefix + "-" + i)
          .set(OAUTH2_CLIENTS.NAME, String.format("%s-%02d", prefix, i))
          .set(OAUTH2_CLIENTS.SCOPES, "devices:read devices:write")
          .set(OAUTH2_CLIENTS.SECRET_SHA256, "0".repeat(64))
          .set(OAUTH2_CLIENTS.TOKEN_TTL_SECONDS, 600)
          .set(OAUTH2_CLIENTS.CREATED_BY, "test")
          .execute();
      for (int k = 0; k < i % 3; k++) {
        dsl.insertInto(OAUTH2_TOKENS)
            .set(OAUTH2_TOKENS.ID, UUID.randomUUID())
            .set(OAUTH2_TOKENS.ORGANIZATION_ID, org)
            .set(OAUTH2_TOKENS.CLIENT_ID, client)
            .set(OAUTH2_TOKENS.SCOPES, k == 0 ? "devices:read" : "devices:write")
            .set(
                OAUTH2_TOKENS.TOKEN_SHA256, UUID.randomUUID().toString().replace("-", "").repeat(2))
            .set(OAUTH2_TOKENS.ISSUED_AT, now.plusSeconds(k))
            .set(OAUTH2_TOKENS.EXPIRES_AT, now.plusSeconds(600))
            .execute();
      }
    }

    int two = statements(2);
    assertThat(statements(20)).isEqualTo(two);

    Map<String, Map<String, Object>> mine =
        itemsNamed(PAGE, "login.organization.oauth2Clients.items", prefix);
    assertThat(mine).hasSize(20);
    for (Map<String, Object> client : mine.values()) {
      String name = (String) client.get("name");
      int tokens = Integer.parseInt(name.substring(prefix.length() + 1)) % 3;
      assertThat(client.get("tokens"))
          .isEqualTo(
              switch (tokens) {
                case 0 -> List.of();
                case 1 -> List.of(Map.of("scopes", List.of("devices:read")));
                default ->
                    List.of(
                        Map.of("scopes", List.of("devices:write")),
                        Map.of("scopes", List.of("devices:read")));
              });
    }
  }

  private int statements(int size) {
    return counter.of(
        () -> graphQl.document(PAGE).variable("size", size).execute().errors().verify());
  }
}
