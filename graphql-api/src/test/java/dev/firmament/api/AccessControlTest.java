package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.API_TOKENS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.access.Secrets;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.CallerPrincipal;
import dev.firmament.api.caller.Role;
import dev.firmament.api.product.ProductService;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.authorization.AuthorizationDeniedException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthentication;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * Credentials and what they allow: 401 with the reason for a bad credential, typed FORBIDDEN for a
 * missing scope, nothing written in either case; no escalation, an organization keeps an owner,
 * customers see only their devices, and separation of duties.
 */
class AccessControlTest extends ApiIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CREATE_PRODUCT =
      "mutation { createProduct(input: {name: \"p\", slug: \"never\"}) { product { id } } }";

  @Autowired MockMvcTester mvc;
  @Autowired ProductService products;

  private MvcTestResult post(String token, String query) {
    try {
      var request =
          mvc.post()
              .uri("/graphql")
              .contentType(MediaType.APPLICATION_JSON)
              .content(JSON.writeValueAsString(Map.of("query", query)));
      if (token != null) {
        request = request.header("Authorization", "Bearer " + token);
      }
      return request.exchange();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertUnauthenticated(MvcTestResult result, String reason) {
    assertThat(result).hasStatus(HttpStatus.UNAUTHORIZED);
    assertThat(result).headers().containsHeader("WWW-Authenticate");
    assertThat(result).bodyJson().extractingPath("$.code").isEqualTo("UNAUTHENTICATED");
    assertThat(result).bodyJson().extractingPath("$.message").asString().contains(reason);
  }

  @Test
  void aBadCredentialGets401WithTheReasonAndWritesNothing() {
    String organization = unique("org");
    String email = unique("member") + "@example.test";
    String revoked = bootstrap.issueToken(organization, email, Role.OPERATOR, "to revoke");
    String expired = bootstrap.issueToken(organization, email, Role.OPERATOR, "to expire");
    String formerMember =
        bootstrap.issueToken(organization, unique("leaver") + "@example.test", Role.OPERATOR, "x");
    String owner = tokenFor(organization, Role.OWNER);
    Map<String, Integer> before = rowCounts();

    assertUnauthenticated(post(null, CREATE_PRODUCT), "bearer token is required");
    assertUnauthenticated(post("fmt_" + "A".repeat(43), CREATE_PRODUCT), "unknown token");
    assertUnauthenticated(post("not-even-ours", CREATE_PRODUCT), "unknown token");

    // Revoked by its holder through the API, then refused.
    String revokedId = ownTokenId(revoked);
    as(revoked)
        .document(
            "mutation($id: ID!) { revokeAPIToken(input: {id: $id}) { apiToken { revokedAt } } }")
        .variable("id", revokedId)
        .execute()
        .path("revokeAPIToken.apiToken.revokedAt")
        .hasValue();
    assertUnauthenticated(post(revoked, "{ login { viewer { actor } } }"), "token revoked");

    dsl.update(API_TOKENS)
        .set(API_TOKENS.EXPIRES_AT, OffsetDateTime.now().minusMinutes(1))
        .where(API_TOKENS.TOKEN_SHA256.eq(Secrets.sha256(expired)))
        .execute();
    assertUnauthenticated(post(expired, "{ login { viewer { actor } } }"), "token expired");

    String leaverEmail = viewer(formerMember).path("actor").asText();
    as(owner)
        .document(
            "mutation($e: String!) { removeOrganizationMember(input: {email: $e}) { user { email } } }")
        .variable("e", leaverEmail)
        .execute()
        .path("removeOrganizationMember.user.email")
        .entity(String.class)
        .isEqualTo(leaverEmail);
    assertUnauthenticated(
        post(formerMember, "{ login { viewer { actor } } }"), "no longer a member");

    // Only the tokens and the membership changes above were written; no product.
    Map<String, Integer> after = rowCounts();
    assertThat(after.get("products")).isEqualTo(before.get("products"));
  }

  @Test
  void aMissingScopeIsATypedForbiddenAndWritesNothing() {
    String organization = unique("org");
    String owner = tokenFor(organization, Role.OWNER);
    String productId = createProduct(as(owner));
    registerDevices(as(owner), productId, unique("dev"), 2);
    uploadFirmware(as(owner), productId, "2.0.0", unique("img").getBytes(StandardCharsets.UTF_8));
    String auditor = tokenFor(organization, Role.AUDITOR);
    String ci = tokenFor(organization, Role.CI);
    Map<String, Integer> before = rowCounts();

    assertForbidden(
        as(auditor)
            .document(
                "mutation { createProduct(input: {name: \"n\", slug: \""
                    + unique("s")
                    + "\"}) { product { id } } }"),
        "products:write");
    assertForbidden(
        as(ci)
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "2.0.0"),
        "rollouts:write");
    assertForbidden(
        as(auditor)
            .documentName("UploadFirmware")
            .variable("productId", productId)
            .variable("version", "3.0.0")
            .variable("title", "t")
            .variable("content", base64(new byte[] {1, 2, 3})),
        "firmware:write");
    assertForbidden(
        as(ci).document("{ login { organization { members { items { role } } } } }"),
        "members:manage");
    assertThat(rowCounts()).isEqualTo(before);

    // Reads within the scopes work.
    as(auditor)
        .document("query($id: ID!) { product(id: $id) { devices { id } } }")
        .variable("id", productId)
        .execute()
        .path("product.devices")
        .entityList(Object.class)
        .hasSize(2);
  }

  @Test
  void theServicesCheckTheirScopesWithoutTheGraphQlLayer() {
    Caller auditor =
        new Caller(
            UUID.randomUUID(),
            "auditor@example.test",
            Caller.Kind.MEMBER,
            UUID.randomUUID(),
            null,
            UUID.randomUUID(),
            Role.AUDITOR.scopes());
    CallerPrincipal principal = new CallerPrincipal(auditor);
    SecurityContextHolder.getContext()
        .setAuthentication(
            new BearerTokenAuthentication(
                principal,
                new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, "t", null, null),
                principal.getAuthorities()));
    try {
      assertThatThrownBy(() -> products.create("name", "slug"))
          .isInstanceOf(AuthorizationDeniedException.class);
    } finally {
      SecurityContextHolder.clearContext();
    }
  }

  @Test
  void nobodyGrantsMoreThanTheyHoldAndTheRoleBoundsEveryToken() {
    String organization = unique("org");
    String owner = tokenFor(organization, Role.OWNER);
    String operator = tokenFor(organization, Role.OPERATOR);
    Map<String, Integer> before = rowCounts();

    assertForbidden(
        as(operator)
            .document(
                "mutation { createAPIToken(input: {name: \"more\", scopes: [\"firmware:write\"]})"
                    + " { token } }"),
        "firmware:write");
    assertThat(rowCounts()).isEqualTo(before);

    // A narrower token works within its scopes only.
    String readOnly =
        as(owner)
            .document(
                "mutation { createAPIToken(input: {name: \"ro\", scopes: [\"devices:read\"],"
                    + " expiresInDays: 1}) { token apiToken { scopes prefix } } }")
            .execute()
            .path("createAPIToken.token")
            .entity(String.class)
            .get();
    assertThat(viewer(readOnly).path("scopes").toString()).isEqualTo("[\"devices:read\"]");
    assertForbidden(
        as(readOnly)
            .document(
                "mutation { createProduct(input: {name: \"n\", slug: \""
                    + unique("s")
                    + "\"}) { product { id } } }"),
        "products:write");

    // Demoting a member takes the scopes away from the tokens the member already holds.
    String managerEmail = unique("rm") + "@example.test";
    String manager =
        bootstrap.issueToken(organization, managerEmail, Role.RELEASE_MANAGER, "manager");
    assertThat(viewer(manager).path("scopes").toString()).contains("products:write");
    as(owner)
        .document(
            "mutation($e: String!) { putOrganizationMember(input: {email: $e, role: \"auditor\"})"
                + " { member { role } } }")
        .variable("e", managerEmail)
        .execute()
        .path("putOrganizationMember.member.role")
        .entity(String.class)
        .isEqualTo("auditor");
    assertThat(viewer(manager).path("scopes").toString())
        .doesNotContain("products:write")
        .contains("devices:read");
  }

  @Test
  void anOrganizationAlwaysKeepsAnOwner() {
    String organization = unique("org");
    String email = unique("owner") + "@example.test";
    String owner = bootstrap.issueToken(organization, email, Role.OWNER, "owner");

    assertRefused(
        as(owner)
            .document(
                "mutation($e: String!) { putOrganizationMember(input: {email: $e, role:"
                    + " \"operator\"}) { member { role } } }")
            .variable("e", email),
        "FAILED_PRECONDITION");
    assertRefused(
        as(owner)
            .document(
                "mutation($e: String!) { removeOrganizationMember(input: {email: $e}) { user {"
                    + " email } } }")
            .variable("e", email),
        "FAILED_PRECONDITION");
    assertThat(viewer(owner).path("role").asText()).isEqualTo("owner");

    // With a second owner, the first may step down.
    String second = unique("owner2") + "@example.test";
    as(owner)
        .document(
            "mutation($e: String!) { putOrganizationMember(input: {email: $e, role: \"owner\"})"
                + " { member { role } } }")
        .variable("e", second)
        .execute()
        .errors()
        .verify();
    as(owner)
        .document(
            "mutation($e: String!) { putOrganizationMember(input: {email: $e, role: \"auditor\"})"
                + " { member { role } } }")
        .variable("e", email)
        .execute()
        .path("putOrganizationMember.member.role")
        .entity(String.class)
        .isEqualTo("auditor");
  }

  @Test
  void aCustomerSeesOnlyTheDevicesMappedToThem() {
    String organization = unique("org");
    String owner = tokenFor(organization, Role.OWNER);
    String productId = createProduct(as(owner));
    List<String> devices = registerDevices(as(owner), productId, unique("cust"), 3);
    String customerId =
        as(owner)
            .document(
                "mutation($p: ID!) { createCustomer(input: {productId: $p, email:"
                    + " \"c@example.test\"}) { customer { id } } }")
            .variable("p", productId)
            .execute()
            .path("createCustomer.customer.id")
            .entity(String.class)
            .get();
    as(owner)
        .document(
            "mutation($c: ID!, $d: ID!) { mapCustomerDevice(input: {customerId: $c, deviceId: $d})"
                + " { mapping { deviceId } } }")
        .variable("c", customerId)
        .variable("d", devices.get(0))
        .execute()
        .path("mapCustomerDevice.mapping.deviceId")
        .entity(String.class)
        .isEqualTo(devices.get(0));
    String customer =
        as(owner)
            .document(
                "mutation($c: ID!) { createCustomerToken(input: {customerId: $c, name: \"app\"})"
                    + " { token apiToken { holder scopes } } }")
            .variable("c", customerId)
            .execute()
            .path("createCustomerToken.token")
            .entity(String.class)
            .get();

    var page = as(customer).documentName("LoginDevices").execute();
    page.path("login.devices.total").entity(Integer.class).isEqualTo(1);
    page.path("login.devices.items[*].id").entityList(String.class).containsExactly(devices.get(0));
    as(customer)
        .documentName("GetDevice")
        .variable("deviceId", devices.get(1))
        .execute()
        .path("device")
        .valueIsNull();
    as(customer)
        .document("query($d: ID!) { device(id: $d) { id product { devices { id } } } }")
        .variable("d", devices.get(0))
        .execute()
        .path("device.product.devices[*].id")
        .entityList(String.class)
        .containsExactly(devices.get(0));
    assertForbidden(
        as(customer).document("query($p: ID!) { product(id: $p) { id } }").variable("p", productId),
        "customer tokens");
    assertForbidden(
        as(customer)
            .document("query($d: ID!) { device(id: $d) { deviceGroup { name } } }")
            .variable("d", devices.get(0)),
        "customer tokens");
  }

  @Test
  void withSeparationOfDutiesTheCreatorCannotApprove() {
    String organization = unique("org");
    String owner = tokenFor(organization, Role.OWNER);
    String productId = createProduct(as(owner));
    registerDevices(as(owner), productId, unique("sod"), 2);
    uploadFirmware(as(owner), productId, "2.0.0", unique("img").getBytes(StandardCharsets.UTF_8));
    as(owner)
        .document(
            "mutation { setRequireSeparateApprover(input: {required: true}) {"
                + " requireSeparateApprover } }")
        .execute()
        .errors()
        .verify();
    String creatorEmail = unique("creator") + "@example.test";
    String creator =
        bootstrap.issueToken(organization, creatorEmail, Role.RELEASE_MANAGER, "creator");
    String approverEmail = unique("approver") + "@example.test";
    String approver =
        bootstrap.issueToken(organization, approverEmail, Role.RELEASE_MANAGER, "approver");

    String jobId =
        as(creator)
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "2.0.0")
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();
    String plan =
        dsl.select(OTA_JOBS.PLAN)
            .from(OTA_JOBS)
            .where(OTA_JOBS.ID.eq(UUID.fromString(jobId)))
            .fetchOne(OTA_JOBS.PLAN);
    assertThat(jsonTree(plan).path("requireApproval").asBoolean())
        .as("the organization's rule forces approval: " + plan)
        .isTrue();

    String approve = "mutation($id: ID!) { approveOTAJob(input: {jobId: $id}) { job { id } } }";
    assertRefused(as(creator).document(approve).variable("id", jobId), "FORBIDDEN");
    as(approver).document(approve).variable("id", jobId).execute().errors().verify();
    var job =
        as(owner)
            .document("query($id: ID!) { firmwareOTAJob(id: $id) { createdBy approvedBy } }")
            .variable("id", jobId)
            .execute();
    job.path("firmwareOTAJob.createdBy").entity(String.class).isEqualTo(creatorEmail);
    job.path("firmwareOTAJob.approvedBy").entity(String.class).isEqualTo(approverEmail);
  }

  private static JsonNode jsonTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode viewer(String token) {
    Map<?, ?> viewer =
        as(token)
            .document("{ login { viewer { actor kind scopes role } } }")
            .execute()
            .path("login.viewer")
            .entity(Map.class)
            .get();
    return JSON.valueToTree(viewer);
  }

  private String ownTokenId(String token) {
    String prefix = Secrets.prefixOf(token);
    List<String> ids =
        as(token)
            .document("{ login { organization { apiTokens { items { id prefix } } } } }")
            .execute()
            .path("login.organization.apiTokens.items[?(@.prefix == '" + prefix + "')].id")
            .entityList(String.class)
            .get();
    assertThat(ids).hasSize(1);
    return ids.get(0);
  }

  private void assertForbidden(
      org.springframework.graphql.test.tester.GraphQlTester.Request<?> request, String mention) {
    request
        .execute()
        .errors()
        .satisfy(
            errors ->
                assertThat(errors)
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getExtensions()).containsEntry("code", "FORBIDDEN");
                          assertThat(e.getMessage()).contains(mention);
                        }));
  }
}
