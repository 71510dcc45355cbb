package dev.firmament.api.security.signature;

import dev.firmament.manifest.Sha256;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * An HTTP request signed after RFC 9421 (HTTP Message Signatures) with {@code hmac-sha256}, its
 * body bound by an RFC 9530 {@code Content-Digest}. {@link #parse} checks everything that needs no
 * key: the headers' syntax, that the signature covers the method, the target URI and (with a body)
 * the digest, the creation time against the allowed clock skew, the nonce's presence and the digest
 * itself. {@link #verify} then checks the signature with the key's secret.
 *
 * <p>A body too large to hold in memory is checked as it streams instead ({@link #parseStreamed}
 * and {@link #verifyingBody}): its last read fails when the digest does not match, so whatever
 * consumes it must act only once it has read it to its end.
 */
public final class SignedRequest {
  public static final String ALGORITHM = "hmac-sha256";
  private static final int MAX_NONCE = 128;

  /** The parts of an HTTP request a signature can cover. */
  public record Message(
      String method,
      String targetUri,
      String authority,
      String path,
      String query,
      String scheme,
      Function<String, List<String>> headers,
      byte[] body) {}

  private final String keyId;
  private final String nonce;
  private final String base;
  private final byte[] signature;
  private final String contentDigest;

  private SignedRequest(
      String keyId, String nonce, String base, byte[] signature, String contentDigest) {
    this.keyId = keyId;
    this.nonce = nonce;
    this.base = base;
    this.signature = signature;
    this.contentDigest = contentDigest;
  }

  public String keyId() {
    return keyId;
  }

  public String nonce() {
    return nonce;
  }

  /** The signature base (RFC 9421 section 2.5) the signature was computed over. */
  public String base() {
    return base;
  }

  public static SignedRequest parse(
      Message message, String signatureInput, String signatureHeader, Instant now, Duration skew)
      throws SignatureException {
    return parse(message, signatureInput, signatureHeader, now, skew, false);
  }

  /**
   * Like {@link #parse} for a request whose body is not in {@code message} but still to be read:
   * the signature must cover the content digest, which {@link #verifyingBody} then checks.
   */
  public static SignedRequest parseStreamed(
      Message message, String signatureInput, String signatureHeader, Instant now, Duration skew)
      throws SignatureException {
    return parse(message, signatureInput, signatureHeader, now, skew, true);
  }

  /**
   * The body of a request parsed with {@link #parseStreamed}, its digest checked as it passes: the
   * read that reaches its end fails with {@link ContentDigest.MismatchException} when the bytes do
   * not match the signed {@code Content-Digest}.
   */
  public InputStream verifyingBody(InputStream body) throws SignatureException {
    if (contentDigest == null) {
      throw new IllegalStateException("the body was checked when the request was parsed");
    }
    return ContentDigest.verifying(contentDigest, body);
  }

  private static SignedRequest parse(
      Message message,
      String signatureInput,
      String signatureHeader,
      Instant now,
      Duration skew,
      boolean streamedBody)
      throws SignatureException {
    Map<String, Object> inputs;
    Map<String, Object> signatures;
    try {
      inputs = StructuredFields.dictionary(signatureInput);
      signatures = StructuredFields.dictionary(signatureHeader);
    } catch (IllegalArgumentException e) {
      throw new SignatureException("malformed signature headers: " + e.getMessage());
    }
    if (inputs.size() != 1) {
      throw new SignatureException("exactly one signature is expected in Signature-Input");
    }
    String label = inputs.keySet().iterator().next();
    if (!(inputs.get(label) instanceof StructuredFields.InnerList input)) {
      throw new SignatureException("Signature-Input " + label + " is not a list of components");
    }
    if (!(signatures.get(label) instanceof byte[] signature)) {
      throw new SignatureException("Signature has no byte sequence labelled " + label);
    }
    Map<String, Object> params = input.params();
    Object alg = params.get("alg");
    if (alg != null && !ALGORITHM.equals(alg)) {
      throw new SignatureException("unsupported algorithm " + alg + "; use " + ALGORITHM);
    }
    if (!(params.get("keyid") instanceof String keyId) || keyId.isEmpty()) {
      throw new SignatureException("the signature names no keyid");
    }
    if (!(params.get("nonce") instanceof String nonce)
        || nonce.isEmpty()
        || nonce.length() > MAX_NONCE) {
      throw new SignatureException(
          "the signature needs a nonce of 1 to " + MAX_NONCE + " characters");
    }
    if (!(params.get("created") instanceof Long created)) {
      throw new SignatureException("the signature has no created time");
    }
    long drift = Math.abs(now.getEpochSecond() - created);
    if (drift > skew.toSeconds()) {
      throw new SignatureException(
          "the signature was created "
              + drift
              + " s away from the server's clock; at most "
              + skew.toSeconds()
              + " s are allowed");
    }
    if (params.get("expires") instanceof Long expires && now.getEpochSecond() > expires) {
      throw new SignatureException("the signature has expired");
    }
    List<String> covered = input.items();
    boolean target =
        covered.contains("@target-uri")
            || (covered.contains("@authority") && covered.contains("@path"));
    if (!covered.contains("@method") || !target) {
      throw new SignatureException(
          "the signature must cover @method and @target-uri (or @authority and @path)");
    }
    boolean hasBody = streamedBody || (message.body() != null && message.body().length > 0);
    if (hasBody && !covered.contains("content-digest")) {
      throw new SignatureException("a request with a body must sign its content-digest");
    }
    String streamedDigest = null;
    if (streamedBody) {
      streamedDigest = first(message, "content-digest");
      ContentDigest.expected(streamedDigest);
    } else if (covered.contains("content-digest")) {
      ContentDigest.check(first(message, "content-digest"), message.body());
    }
    List<String> lines = new ArrayList<>();
    for (String component : covered) {
      if (lines.stream().anyMatch(l -> l.startsWith("\"" + component + "\":"))) {
        throw new SignatureException("component " + component + " is covered twice");
      }
      lines.add("\"" + component + "\": " + value(message, component));
    }
    lines.add("\"@signature-params\": " + input.text());
    return new SignedRequest(keyId, nonce, String.join("\n", lines), signature, streamedDigest);
  }

  /** Whether the signature is the HMAC-SHA256 of the signature base under this secret. */
  public boolean verify(byte[] secret) {
    return MessageDigest.isEqual(hmac(secret, base), signature);
  }

  static byte[] hmac(byte[] secret, String base) {
    return Sha256.hmac(secret, base);
  }

  private static String value(Message message, String component) throws SignatureException {
    return switch (component) {
      case "@method" -> message.method().toUpperCase(Locale.ROOT);
      case "@target-uri" -> message.targetUri();
      case "@authority" -> message.authority().toLowerCase(Locale.ROOT);
      case "@path" -> message.path();
      case "@query" -> "?" + (message.query() == null ? "" : message.query());
      case "@scheme" -> message.scheme().toLowerCase(Locale.ROOT);
      default -> {
        if (component.startsWith("@")) {
          throw new SignatureException("unsupported derived component " + component);
        }
        if (!component.equals(component.toLowerCase(Locale.ROOT))) {
          throw new SignatureException("header names must be lower case: " + component);
        }
        List<String> values = message.headers().apply(component);
        if (values == null || values.isEmpty()) {
          throw new SignatureException("covered header " + component + " is missing");
        }
        yield String.join(", ", values.stream().map(String::strip).toList());
      }
    };
  }

  private static String first(Message message, String header) throws SignatureException {
    List<String> values = message.headers().apply(header);
    if (values == null || values.isEmpty()) {
      throw new SignatureException("covered header " + header + " is missing");
    }
    return String.join(", ", values);
  }
}
