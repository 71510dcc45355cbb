package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.caller.Role;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/** Services get access tokens at the standard token endpoint with the client-credentials grant. */
class OAuth2ClientCredentialsTest extends ApiIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Autowired MockMvcTester mvc;

  private MvcTestResult token(String clientId, String secret, String scope) {
    String basic =
        Base64.getEncoder()
            .encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    return mvc.post()
        .uri("/oauth2/token")
        .header("Authorization", "Basic " + basic)
        .contentType(MediaType.APPLICATION_FORM_URLENCODED)
        .content("grant_type=client_credentials" + (scope == null ? "" : "&scope=" + scope))
        .exchange();
  }

  private static JsonNode body(MvcTestResult result) throws Exception {
    return JSON.readTree(result.getResponse().getContentAsString());
  }

  @Test
  void aClientGetsAScopedTokenThatTheApiHonoursUntilTheClientIsRevoked() throws Exception {
    String organization = unique("org");
    String owner = tokenFor(organization, Role.OWNER);
    Map<?, ?> created =
        as(owner)
            .document(
                "mutation { createOAuth2Client(input: {name: \"ci\", scopes: [\"devices:read\","
                    + " \"firmware:write\"], tokenTtlSeconds: 600}) { clientSecret client { id"
                    + " clientId scopes } } }")
            .execute()
            .path("createOAuth2Client")
            .entity(Map.class)
            .get();
    String secret = (String) created.get("clientSecret");
    Map<?, ?> client = (Map<?, ?>) created.get("client");
    String clientId = (String) client.get("clientId");
    assertThat(secret).startsWith("fmc_");

    MvcTestResult granted = token(clientId, secret, "devices:read");
    assertThat(granted).hasStatus(HttpStatus.OK);
    JsonNode answer = body(granted);
    String accessToken = answer.path("access_token").asText();
    assertThat(accessToken).startsWith("fmo_");
    assertThat(answer.path("token_type").asText()).isEqualToIgnoringCase("Bearer");
    assertThat(answer.path("expires_in").asLong()).isBetween(590L, 600L);
    assertThat(answer.path("scope").asText()).isEqualTo("devices:read");
    // A service's sign-in is in its organization's audit log, by the token's prefix only.
    var issued =
        dsl.selectFrom(dev.firmament.sql.generated.Tables.AUDIT_LOG)
            .where(dev.firmament.sql.generated.Tables.AUDIT_LOG.ACTION.eq("oauth2.token.issued"))
            .and(dev.firmament.sql.generated.Tables.AUDIT_LOG.ACTOR.eq("client:" + clientId))
            .fetch();
    assertThat(issued).hasSize(1);
    assertThat(issued.get(0).getDetails()).contains("devices:read").doesNotContain(accessToken);

    var viewer = as(accessToken).document("{ login { viewer { actor kind scopes } } }").execute();
    viewer.path("login.viewer.kind").entity(String.class).isEqualTo("SERVICE");
    viewer.path("login.viewer.actor").entity(String.class).isEqualTo("client:" + clientId);
    viewer.path("login.viewer.scopes").entityList(String.class).containsExactly("devices:read");
    // The token holds only what was asked for, though the client may ask for more.
    assertRefused(
        as(accessToken)
            .documentName("UploadFirmware")
            .variable("productId", createProduct(as(owner)))
            .variable("version", "1.0.0")
            .variable("title", "t")
            .variable("content", base64(new byte[] {1})),
        "FORBIDDEN");

    as(owner)
        .document(
            "{ login { organization { oauth2Clients { items { clientId tokens { clientId scopes"
                + " expiresAt revokedAt } } } } } }")
        .execute()
        .path("login.organization.oauth2Clients.items[0].tokens[0].scopes")
        .entityList(String.class)
        .containsExactly("devices:read");

    assertThat(token(clientId, "fmc_wrong", "devices:read")).hasStatus(HttpStatus.UNAUTHORIZED);
    MvcTestResult tooMuch = token(clientId, secret, "tokens:manage");
    assertThat(tooMuch).hasStatus(HttpStatus.BAD_REQUEST);
    assertThat(body(tooMuch).path("error").asText()).isEqualTo("invalid_scope");

    as(owner)
        .document(
            "mutation($id: ID!) { revokeOAuth2Client(input: {id: $id}) { client { revokedAt } } }")
        .variable("id", client.get("id"))
        .execute()
        .path("revokeOAuth2Client.client.revokedAt")
        .hasValue();
    MvcTestResult afterRevoke =
        mvc.post()
            .uri("/graphql")
            .header("Authorization", "Bearer " + accessToken)
            .contentType(MediaType.APPLICATION_JSON)
            .content("{\"query\":\"{ login { viewer { actor } } }\"}")
            .exchange();
    assertThat(afterRevoke).hasStatus(HttpStatus.UNAUTHORIZED);
    assertThat(afterRevoke).bodyJson().extractingPath("$.message").isEqualTo("token revoked");
    assertThat(token(clientId, secret, "devices:read")).hasStatus(HttpStatus.UNAUTHORIZED);
  }

  @Test
  void aClientRevokesItsOwnTokenAtTheRevocationEndpoint() throws Exception {
    String owner = tokenFor(unique("org"), Role.OWNER);
    Map<?, ?> created =
        as(owner)
            .document(
                "mutation { createOAuth2Client(input: {name: \"svc\", scopes: [\"rollouts:read\"]})"
                    + " { clientSecret client { clientId } } }")
            .execute()
            .path("createOAuth2Client")
            .entity(Map.class)
            .get();
    String secret = (String) created.get("clientSecret");
    String clientId = (String) ((Map<?, ?>) created.get("client")).get("clientId");
    String accessToken =
        body(token(clientId, secret, "rollouts:read")).path("access_token").asText();
    as(accessToken).document("{ login { viewer { kind } } }").execute().errors().verify();

    String basic =
        Base64.getEncoder()
            .encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    assertThat(
            mvc.post()
                .uri("/oauth2/revoke")
                .header("Authorization", "Basic " + basic)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .content("token=" + accessToken + "&token_type_hint=access_token")
                .exchange())
        .hasStatus(HttpStatus.OK);
    assertThat(
            mvc.post()
                .uri("/graphql")
                .header("Authorization", "Bearer " + accessToken)
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"query\":\"{ login { viewer { actor } } }\"}")
                .exchange())
        .hasStatus(HttpStatus.UNAUTHORIZED);
  }
}
