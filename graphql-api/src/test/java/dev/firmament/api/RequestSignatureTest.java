package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import dev.firmament.api.security.signature.RequestSignatureFilter;
import dev.firmament.api.security.signature.RequestSigner;
import dev.firmament.artifact.ArtifactStore;
import dev.firmament.manifest.Sha256;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * CI signs its requests (RFC 9421, hmac-sha256, with an RFC 9530 digest) instead of sending a
 * bearer token: a good signature authenticates as the key's holder with the key's scopes; a wrong
 * key, a stale date, a replayed nonce or an altered body is refused with the reason.
 */
class RequestSignatureTest extends ApiIntegrationTest {
  private static final URI GRAPHQL = URI.create("http://localhost/graphql");
  private static final byte[] VIEWER =
      "{\"query\":\"{ login { viewer { actor kind scopes } } }\"}".getBytes(StandardCharsets.UTF_8);

  /** The content type as the test's request carries it, which is what the client signs. */
  private static final String JSON = "application/json;charset=UTF-8";

  private static final String OCTETS = "application/octet-stream;charset=UTF-8";

  @Autowired MockMvcTester mvc;
  @Autowired ArtifactStore artifacts;

  private MvcTestResult send(
      URI target, String contentType, byte[] body, Map<String, String> headers) {
    var request = mvc.post().uri(target).contentType(contentType).content(body);
    for (var header : headers.entrySet()) {
      request = request.header(header.getKey(), header.getValue());
    }
    return request.exchange();
  }

  private static String contentOf(MvcTestResult result) {
    try {
      return result.getResponse().getContentAsString();
    } catch (java.io.UnsupportedEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertUnauthenticated(MvcTestResult result, String reason) {
    assertThat(result).hasStatus(HttpStatus.UNAUTHORIZED);
    assertThat(result).bodyJson().extractingPath("$.code").isEqualTo("UNAUTHENTICATED");
    assertThat(result).bodyJson().extractingPath("$.message").asString().contains(reason);
  }

  @Test
  void aSignedRequestActsForTheKeysHolderAndEveryForgeryIsRefusedWithItsReason() {
    String organization = unique("org");
    String email = unique("ci") + "@example.test";
    String member = bootstrap.issueToken(organization, email, Role.RELEASE_MANAGER, "setup");
    Map<?, ?> created =
        as(member)
            .document(
                "mutation { createSigningKey(input: {name: \"ci\", scopes: [\"devices:read\","
                    + " \"firmware:write\"]}) { secret signingKey { id keyId scopes } } }")
            .execute()
            .path("createSigningKey")
            .entity(Map.class)
            .get();
    String secret = (String) created.get("secret");
    Map<?, ?> key = (Map<?, ?>) created.get("signingKey");
    String keyId = (String) key.get("keyId");
    RequestSigner signer = new RequestSigner(keyId, secret);
    long now = Instant.now().getEpochSecond();

    Map<String, String> headers = signer.sign("POST", GRAPHQL, JSON, VIEWER, now);
    MvcTestResult ok = send(GRAPHQL, JSON, VIEWER, headers);
    assertThat(ok.getResponse().getStatus())
        .as(() -> contentOf(ok))
        .isEqualTo(HttpStatus.OK.value());
    assertThat(ok).bodyJson().extractingPath("$.data.login.viewer.actor").isEqualTo(email);
    assertThat(ok).bodyJson().extractingPath("$.data.login.viewer.kind").isEqualTo("MEMBER");
    assertThat(ok)
        .bodyJson()
        .extractingPath("$.data.login.viewer.scopes")
        .asArray()
        .containsExactly("devices:read", "firmware:write");

    assertUnauthenticated(send(GRAPHQL, JSON, VIEWER, headers), "nonce was already used");
    RequestSigner forger = new RequestSigner(keyId, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assertUnauthenticated(
        send(GRAPHQL, JSON, VIEWER, forger.sign("POST", GRAPHQL, JSON, VIEWER, now)),
        "does not verify");
    assertUnauthenticated(
        send(GRAPHQL, JSON, VIEWER, signer.sign("POST", GRAPHQL, JSON, VIEWER, now - 3600)),
        "away from the server's clock");
    byte[] altered =
        "{\"query\":\"{ login { viewer { kind } } }\"}".getBytes(StandardCharsets.UTF_8);
    assertUnauthenticated(
        send(GRAPHQL, JSON, altered, signer.sign("POST", GRAPHQL, JSON, VIEWER, now)),
        "content digest does not match");
    assertUnauthenticated(
        send(
            GRAPHQL,
            JSON,
            VIEWER,
            new RequestSigner("fmk_unknown", secret).sign("POST", GRAPHQL, JSON, VIEWER, now)),
        "unknown signing key");
    Map<String, String> both =
        new java.util.HashMap<>(signer.sign("POST", GRAPHQL, JSON, VIEWER, now));
    both.put("Authorization", "Bearer " + member);
    assertUnauthenticated(send(GRAPHQL, JSON, VIEWER, both), "not both");

    // The REST upload takes signed requests too, the image bound by its digest.
    String productId = createProduct(as(member));
    URI upload =
        URI.create("http://localhost/api/v1/products/" + productId + "/firmware?version=9.0.0");
    byte[] image = ("signed image " + unique("x")).getBytes(StandardCharsets.UTF_8);
    MvcTestResult uploaded =
        send(upload, OCTETS, image, signer.sign("POST", upload, OCTETS, image, now));
    assertThat(uploaded.getResponse().getStatus())
        .as(() -> contentOf(uploaded))
        .isEqualTo(HttpStatus.CREATED.value());
    assertThat(uploaded).bodyJson().extractingPath("$.version").isEqualTo("9.0.0");

    as(member)
        .document(
            "mutation($id: ID!) { revokeSigningKey(input: {id: $id}) { signingKey { revokedAt } } }")
        .variable("id", key.get("id"))
        .execute()
        .path("revokeSigningKey.signingKey.revokedAt")
        .hasValue();
    assertUnauthenticated(
        send(GRAPHQL, JSON, VIEWER, signer.sign("POST", GRAPHQL, JSON, VIEWER, now)),
        "token revoked");
  }

  @Test
  void aLargeSignedUploadIsCheckedAsItStreamsAndAnAlteredOneKeepsNothing() {
    String member =
        bootstrap.issueToken(
            unique("org"), unique("ci") + "@example.test", Role.RELEASE_MANAGER, "setup");
    Map<?, ?> created =
        as(member)
            .document(
                "mutation { createSigningKey(input: {name: \"ci\", scopes: [\"firmware:write\"]})"
                    + " { secret signingKey { keyId } } }")
            .execute()
            .path("createSigningKey")
            .entity(Map.class)
            .get();
    RequestSigner signer =
        new RequestSigner(
            (String) ((Map<?, ?>) created.get("signingKey")).get("keyId"),
            (String) created.get("secret"));
    long now = Instant.now().getEpochSecond();
    String productId = createProduct(as(member));
    // Over the size whose digest is checked in memory: this body streams through the check.
    byte[] image = new byte[(int) RequestSignatureFilter.BUFFERED_UPLOAD + 4096];
    new java.util.Random(5).nextBytes(image);
    URI good =
        URI.create("http://localhost/api/v1/products/" + productId + "/firmware?version=9.0.0");

    MvcTestResult uploaded =
        send(good, OCTETS, image, signer.sign("POST", good, OCTETS, image, now));

    assertThat(uploaded.getResponse().getStatus())
        .as(() -> contentOf(uploaded))
        .isEqualTo(HttpStatus.CREATED.value());
    assertThat(uploaded).bodyJson().extractingPath("$.sha256").isEqualTo(Sha256.hex(image));

    URI bad =
        URI.create("http://localhost/api/v1/products/" + productId + "/firmware?version=9.0.1");
    Map<String, String> signedForImage = signer.sign("POST", bad, OCTETS, image, now);
    byte[] altered = image.clone();
    altered[altered.length - 1] ^= 1;

    MvcTestResult refused = send(bad, OCTETS, altered, signedForImage);

    assertThat(refused).hasStatus(HttpStatus.BAD_REQUEST);
    assertThat(refused)
        .bodyJson()
        .extractingPath("$.message")
        .asString()
        .contains("content digest does not match");
    assertThat(
            dsl.fetchCount(
                PRODUCT_FIRMWARE,
                PRODUCT_FIRMWARE
                    .PRODUCT_ID
                    .eq(UUID.fromString(productId))
                    .and(PRODUCT_FIRMWARE.VERSION.eq("9.0.1"))))
        .isZero();
    assertThat(artifacts.stat("full/" + Sha256.hex(altered))).isEmpty();
  }

  @Test
  void aKeyHoldsNoMoreThanItsCreator() {
    String operator = tokenFor(unique("org"), Role.OPERATOR);
    assertRefused(
        as(operator)
            .document(
                "mutation { createSigningKey(input: {name: \"x\", scopes: [\"firmware:write\"]})"
                    + " { secret } }"),
        "FORBIDDEN");
  }
}
