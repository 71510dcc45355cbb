package dev.firmament.api.security.signature;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/** RFC 9530 {@code Content-Digest}: {@code sha-256=:<base64>:} (or sha-512) over the body bytes. */
public final class ContentDigest {
  private ContentDigest() {}

  /** The header value for a body, with SHA-256. */
  public static String of(byte[] body) {
    return "sha-256=:" + Base64.getEncoder().encodeToString(digest("SHA-256", body)) + ":";
  }

  static void check(String header, byte[] body) throws SignatureException {
    Map<String, Object> digests;
    try {
      digests = StructuredFields.dictionary(header);
    } catch (IllegalArgumentException e) {
      throw new SignatureException("malformed Content-Digest: " + e.getMessage());
    }
    byte[] content = body == null ? new byte[0] : body;
    boolean checked = false;
    for (var entry : digests.entrySet()) {
      String algorithm =
          switch (entry.getKey()) {
            case "sha-256" -> "SHA-256";
            case "sha-512" -> "SHA-512";
            default -> null;
          };
      if (algorithm == null) {
        continue;
      }
      if (!(entry.getValue() instanceof byte[] expected)
          || !MessageDigest.isEqual(expected, digest(algorithm, content))) {
        throw new SignatureException("the content digest does not match the body");
      }
      checked = true;
    }
    if (!checked) {
      throw new SignatureException("Content-Digest needs a sha-256 or sha-512 digest");
    }
  }

  private static byte[] digest(String algorithm, byte[] content) {
    try {
      return MessageDigest.getInstance(algorithm).digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required by every Java platform", e);
    }
  }
}
