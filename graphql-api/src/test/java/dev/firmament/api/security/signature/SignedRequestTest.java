package dev.firmament.api.security.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 9421 signatures with hmac-sha256 and RFC 9530 digests, checked without a server. */
class SignedRequestTest {
  private static final String SECRET =
      Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
  private static final String OTHER_SECRET =
      Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString("another secret of thirty-two by.".getBytes(StandardCharsets.UTF_8));
  private static final URI TARGET = URI.create("https://api.example.test/graphql?x=1");
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration SKEW = Duration.ofMinutes(5);
  private static final byte[] BODY =
      "{\"query\":\"{ login { viewer { actor } } }\"}".getBytes(StandardCharsets.UTF_8);

  private static SignedRequest.Message message(Map<String, String> headers, byte[] body) {
    Map<String, String> lower = new HashMap<>();
    headers.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
    lower.put("content-type", "application/json");
    return new SignedRequest.Message(
        "POST",
        TARGET.toString(),
        "api.example.test",
        "/graphql",
        "x=1",
        "https",
        name -> lower.containsKey(name) ? List.of(lower.get(name)) : List.of(),
        body);
  }

  private static Map<String, String> sign(long created, String nonce) {
    return new RequestSigner("fmk_test", SECRET)
        .sign("POST", TARGET, "application/json", BODY, created, nonce);
  }

  private static SignedRequest parse(Map<String, String> headers, byte[] body) throws Exception {
    return SignedRequest.parse(
        message(headers, body),
        headers.get("Signature-Input"),
        headers.get("Signature"),
        NOW,
        SKEW);
  }

  @Test
  void aRequestSignedWithTheKeyVerifiesOnlyWithThatKey() throws Exception {
    SignedRequest signed = parse(sign(NOW.getEpochSecond(), "n-1"), BODY);

    assertThat(signed.keyId()).isEqualTo("fmk_test");
    assertThat(signed.nonce()).isEqualTo("n-1");
    assertThat(signed.verify(Base64.getUrlDecoder().decode(SECRET))).isTrue();
    assertThat(signed.verify(Base64.getUrlDecoder().decode(OTHER_SECRET))).isFalse();
    assertThat(signed.base())
        .startsWith("\"@method\": POST\n\"@target-uri\": https://api.example.test/graphql?x=1\n")
        .contains("\n\"content-type\": application/json\n")
        .contains("\"@signature-params\": (\"@method\" \"@target-uri\"");
  }

  @Test
  void theClockSkewWindowIsInclusiveAtItsEdge() throws Exception {
    long edge = NOW.getEpochSecond() - SKEW.toSeconds();
    assertThat(parse(sign(edge, "n"), BODY).keyId()).isEqualTo("fmk_test");
    assertThat(parse(sign(NOW.getEpochSecond() + SKEW.toSeconds(), "n"), BODY).keyId())
        .isEqualTo("fmk_test");
    assertThatThrownBy(() -> parse(sign(edge - 1, "n"), BODY))
        .isInstanceOf(SignatureException.class)
        .hasMessageContaining("301 s away");
    assertThatThrownBy(() -> parse(sign(NOW.getEpochSecond() + 301, "n"), BODY))
        .isInstanceOf(SignatureException.class)
        .hasMessageContaining("server's clock");
  }

  @Test
  void anAlteredBodyFailsTheDigest() {
    byte[] altered = BODY.clone();
    altered[3] ^= 1;
    assertThatThrownBy(() -> parse(sign(NOW.getEpochSecond(), "n"), altered))
        .isInstanceOf(SignatureException.class)
        .hasMessage("the content digest does not match the body");
  }

  @Test
  void aStreamedBodyIsCheckedWhenItsLastByteHasPassed() throws Exception {
    Map<String, String> headers = sign(NOW.getEpochSecond(), "n");
    SignedRequest signed =
        SignedRequest.parseStreamed(
            message(headers, null),
            headers.get("Signature-Input"),
            headers.get("Signature"),
            NOW,
            SKEW);
    assertThat(signed.verify(Base64.getUrlDecoder().decode(SECRET))).isTrue();
    assertThat(signed.verifyingBody(new ByteArrayInputStream(BODY)).readAllBytes()).isEqualTo(BODY);

    byte[] altered = BODY.clone();
    altered[altered.length - 1] ^= 1;
    InputStream body = signed.verifyingBody(new ByteArrayInputStream(altered));
    assertThat(body.read(new byte[altered.length - 1])).isEqualTo(altered.length - 1);
    assertThatThrownBy(body::readAllBytes)
        .isInstanceOf(ContentDigest.MismatchException.class)
        .hasMessage("the content digest does not match the body");
    assertThatThrownBy(
            () ->
                signed
                    .verifyingBody(new ByteArrayInputStream(BODY, 0, BODY.length - 1))
                    .readAllBytes())
        .isInstanceOf(ContentDigest.MismatchException.class);
  }

  @Test
  void aStreamedBodyNeedsASignedDigest() {
    Map<String, String> good = sign(NOW.getEpochSecond(), "n");
    String input = good.get("Signature-Input").replace(" \"content-digest\"", "");
    assertThatThrownBy(
            () ->
                SignedRequest.parseStreamed(
                    message(good, null), input, good.get("Signature"), NOW, SKEW))
        .isInstanceOf(SignatureException.class)
        .hasMessage("a request with a body must sign its content-digest");
  }

  @Test
  void aSignatureMustCoverMethodTargetAndDigestAndNameKeyNonceAndTime() {
    Map<String, String> good = sign(NOW.getEpochSecond(), "n");
    String input = good.get("Signature-Input");

    assertRefused(good, input.replace("\"@method\" ", ""), "must cover @method");
    assertRefused(good, input.replace("\"@target-uri\" ", ""), "must cover @method");
    assertRefused(good, input.replace(" \"content-digest\"", ""), "content-digest");
    assertRefused(good, input.replaceAll(";nonce=\"[^\"]*\"", ""), "nonce");
    assertRefused(good, input.replaceAll(";keyid=\"[^\"]*\"", ""), "keyid");
    assertRefused(good, input.replaceAll(";created=\\d+", ""), "created");
    assertRefused(good, input.replace("hmac-sha256", "rsa-pss-sha512"), "unsupported algorithm");
    assertRefused(good, input.replace("sig1=(", "sig1=\"x\""), "malformed");
    assertRefused(good, input + ", sig2=(\"@method\")", "exactly one signature");
    assertRefused(good, input.replace("sig1=", "other="), "no byte sequence labelled other");
  }

  @Test
  void theStructuredFieldsParserRejectsWhatIsNotAList() {
    assertThatThrownBy(() -> StructuredFields.dictionary("a=(\"x\" \"y\""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StructuredFields.dictionary("a=(\"x\");created=12x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StructuredFields.dictionary("a=:not base64!:"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StructuredFields.dictionary("a=(\"x\"),"))
        .isInstanceOf(IllegalArgumentException.class);
    var parsed =
        (StructuredFields.InnerList)
            StructuredFields.dictionary("s=(\"@method\" \"a\\\"b\");created=-3;k=\"v\";f").get("s");
    assertThat(parsed.items()).containsExactly("@method", "a\"b");
    assertThat(parsed.params()).containsEntry("created", -3L).containsEntry("f", true);
    assertThat(parsed.text()).isEqualTo("(\"@method\" \"a\\\"b\");created=-3;k=\"v\";f");
  }

  @Test
  void theNonceHasAtMost128Characters() throws Exception {
    assertThat(parse(sign(NOW.getEpochSecond(), "n".repeat(128)), BODY).nonce()).hasSize(128);
    assertThatThrownBy(() -> parse(sign(NOW.getEpochSecond(), "n".repeat(129)), BODY))
        .isInstanceOf(SignatureException.class)
        .hasMessageContaining("nonce of 1 to 128");
  }

  @Test
  void anExpiredSignatureAndATwiceCoveredComponentAreRefused() {
    Map<String, String> good = sign(NOW.getEpochSecond(), "n");
    String input = good.get("Signature-Input");
    assertRefused(good, input + ";expires=" + (NOW.getEpochSecond() - 1), "expired");
    Map<String, String> lastSecond = new HashMap<>(good);
    lastSecond.put("Signature-Input", input + ";expires=" + NOW.getEpochSecond());
    org.assertj.core.api.Assertions.assertThatCode(() -> parse(lastSecond, BODY))
        .as("a signature is valid up to and including its expires second")
        .doesNotThrowAnyException();
    assertRefused(good, input.replace("(\"@method\"", "(\"@method\" \"@method\""), "twice");
  }

  @Test
  void authorityAndPathMayStandForTheTargetUriAndABodilessRequestNeedsNoDigest() throws Exception {
    String params =
        "(\"@method\" \"@authority\" \"@path\" \"@query\");created="
            + NOW.getEpochSecond()
            + ";keyid=\"k\";nonce=\"n\"";
    String base =
        "\"@method\": POST\n\"@authority\": api.example.test\n\"@path\": /graphql\n"
            + "\"@query\": ?x=1\n\"@signature-params\": "
            + params;
    byte[] secret = Base64.getUrlDecoder().decode(SECRET);
    String signature = Base64.getEncoder().encodeToString(SignedRequest.hmac(secret, base));
    SignedRequest signed =
        SignedRequest.parse(
            message(Map.of(), new byte[0]),
            "sig1=" + params,
            "sig1=:" + signature + ":",
            NOW,
            SKEW);
    assertThat(signed.verify(secret)).isTrue();
    assertThatThrownBy(
            () ->
                SignedRequest.parse(
                    message(Map.of(), BODY),
                    "sig1=" + params,
                    "sig1=:" + signature + ":",
                    NOW,
                    SKEW))
        .isInstanceOf(SignatureException.class)
        .hasMessageContaining("must sign its content-digest");
  }

  private static void assertRefused(Map<String, String> good, String input, String reason) {
    Map<String, String> headers = new HashMap<>(good);
    headers.put("Signature-Input", input);
    assertThatThrownBy(() -> parse(headers, BODY))
        .isInstanceOf(SignatureException.class)
        .hasMessageContaining(reason);
  }
}
