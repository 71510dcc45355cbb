package dev.firmament.api.security.signature;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** RFC 9530 {@code Content-Digest}: {@code sha-256=:<base64>:} (or sha-512) over the body bytes. */
public final class ContentDigest {
  private ContentDigest() {}

  /** The header value for a body, with SHA-256. */
  public static String of(byte[] body) {
    return "sha-256=:" + Base64.getEncoder().encodeToString(digest("SHA-256", body)) + ":";
  }

  static void check(String header, byte[] body) throws SignatureException {
    byte[] content = body == null ? new byte[0] : body;
    for (var entry : expected(header).entrySet()) {
      if (!MessageDigest.isEqual(entry.getValue(), digest(entry.getKey(), content))) {
        throw new SignatureException(MISMATCH);
      }
    }
  }

  /**
   * Checks the header's syntax now and the body's digest as it streams: the returned stream fails
   * its last read with a {@link MismatchException} when what passed does not match the header.
   */
  static InputStream verifying(String header, InputStream body) throws SignatureException {
    Map<String, byte[]> expected = expected(header);
    Map<String, MessageDigest> running = new LinkedHashMap<>();
    expected.keySet().forEach(algorithm -> running.put(algorithm, newDigest(algorithm)));
    return new FilterInputStream(body) {
      private boolean checked;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
          running.values().forEach(d -> d.update(b, off, n));
        } else if (n == -1 && !checked) {
          checked = true;
          for (var entry : expected.entrySet()) {
            if (!MessageDigest.isEqual(entry.getValue(), running.get(entry.getKey()).digest())) {
              throw new MismatchException();
            }
          }
        }
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        // Read rather than skip: skipped bytes would pass the digest unseen.
        byte[] buffer = new byte[8192];
        long skipped = 0;
        int r;
        while (skipped < n
            && (r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped))) != -1) {
          skipped += r;
        }
        return skipped;
      }

      @Override
      public boolean markSupported() {
        return false;
      }
    };
  }

  /** A streamed body ended with bytes other than those its signed {@code Content-Digest} names. */
  public static final class MismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    MismatchException() {
      super(MISMATCH);
    }
  }

  private static final String MISMATCH = "the content digest does not match the body";

  /** The digests the header names, by JCA algorithm; at least one of SHA-256 and SHA-512. */
  static Map<String, byte[]> expected(String header) throws SignatureException {
    Map<String, Object> digests;
    try {
      digests = StructuredFields.dictionary(header);
    } catch (IllegalArgumentException e) {
      throw new SignatureException("malformed Content-Digest: " + e.getMessage());
    }
    Map<String, byte[]> expected = new LinkedHashMap<>();
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
      if (!(entry.getValue() instanceof byte[] value)) {
        throw new SignatureException(MISMATCH);
      }
      expected.put(algorithm, value);
    }
    if (expected.isEmpty()) {
      throw new SignatureException("Content-Digest needs a sha-256 or sha-512 digest");
    }
    return expected;
  }

  private static byte[] digest(String algorithm, byte[] content) {
    return newDigest(algorithm).digest(content);
  }

  private static MessageDigest newDigest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required by every Java platform", e);
    }
  }
}
