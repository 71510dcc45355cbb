package dev.firmament.api.security.signature;

import java.net.URI;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The client side: the headers that sign a request with a key, covering the method, the target URI,
 * the content type and the body's digest. Used by the CLI, the benchmarks and the tests; any RFC
 * 9421 library produces the same headers.
 */
public final class RequestSigner {
  private final String keyId;
  private final byte[] secret;

  /**
   * @param secret the key's secret as shown at creation (base64url)
   */
  public RequestSigner(String keyId, String secret) {
    this.keyId = keyId;
    this.secret = Base64.getUrlDecoder().decode(secret);
  }

  /** Headers to add: Content-Digest, Signature-Input and Signature. */
  public Map<String, String> sign(
      String method, URI target, String contentType, byte[] body, long createdEpochSeconds) {
    return sign(
        method, target, contentType, body, createdEpochSeconds, UUID.randomUUID().toString());
  }

  public Map<String, String> sign(
      String method,
      URI target,
      String contentType,
      byte[] body,
      long createdEpochSeconds,
      String nonce) {
    String digest = ContentDigest.of(body == null ? new byte[0] : body);
    String params =
        "(\"@method\" \"@target-uri\" \"content-type\" \"content-digest\");created="
            + createdEpochSeconds
            + ";keyid=\""
            + keyId
            + "\";nonce=\""
            + nonce
            + "\";alg=\""
            + SignedRequest.ALGORITHM
            + "\"";
    String base =
        "\"@method\": "
            + method.toUpperCase(java.util.Locale.ROOT)
            + "\n\"@target-uri\": "
            + target
            + "\n\"content-type\": "
            + contentType
            + "\n\"content-digest\": "
            + digest
            + "\n\"@signature-params\": "
            + params;
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Digest", digest);
    headers.put("Signature-Input", "sig1=" + params);
    headers.put(
        "Signature",
        "sig1=:" + Base64.getEncoder().encodeToString(SignedRequest.hmac(secret, base)) + ":");
    return headers;
  }
}
