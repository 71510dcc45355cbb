package dev.firmament.artifact;

import dev.firmament.manifest.Sha256;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes (SHA-256) and counts the bytes of a stream as they pass, and fails the read that carries
 * the stream past its limit. It remembers why it failed, so that the store can tell an input that
 * was too large or broken off from a backend failure once the S3 client has wrapped the exception.
 */
final class MeteredInputStream extends FilterInputStream {
  private final MessageDigest digest = Sha256.newDigest();
  private final long limit;
  private long count;
  private boolean exceeded;
  private IOException sourceFailure;

  MeteredInputStream(InputStream in, long limit) {
    super(in);
    this.limit = limit;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n == -1 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (exceeded) {
      throw new IOException("the stream exceeds " + limit + " bytes");
    }
    int n;
    try {
      n = in.read(b, off, len);
    } catch (IOException e) {
      sourceFailure = e;
      throw e;
    }
    if (n > 0) {
      count += n;
      if (count > limit) {
        exceeded = true;
        throw new IOException("the stream exceeds " + limit + " bytes");
      }
      digest.update(b, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    throw new IOException("a metered stream is read, never skipped");
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("a metered stream cannot be reset");
  }

  long count() {
    return count;
  }

  boolean exceeded() {
    return exceeded;
  }

  IOException sourceFailure() {
    return sourceFailure;
  }

  /** The lowercase hex SHA-256 of everything read; call once, at the end of the stream. */
  String sha256() {
    return Sha256.hex(digest);
  }
}
