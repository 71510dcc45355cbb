package dev.firmament.api;

import dev.firmament.manifest.Sha256;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.SplittableRandom;

/**
 * A firmware image of any size that exists only as it is read: bytes from a seeded PRNG, hashed as
 * they pass, so a test can send a gigabyte without holding it in memory or writing it to disk and
 * still know its SHA-256.
 */
final class GeneratedImage extends InputStream {
  private final SplittableRandom random;
  private final long size;
  private final MessageDigest digest = Sha256.newDigest();
  private long position;
  private long word;
  private int wordBytesLeft;

  GeneratedImage(long seed, long size) {
    this.random = new SplittableRandom(seed);
    this.size = size;
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (position == size) {
      return -1;
    }
    int n = (int) Math.min(len, size - position);
    for (int i = 0; i < n; i++) {
      if (wordBytesLeft == 0) {
        word = random.nextLong();
        wordBytesLeft = 8;
      }
      b[off + i] = (byte) word;
      word >>>= 8;
      wordBytesLeft--;
    }
    digest.update(b, off, n);
    position += n;
    return n;
  }

  /** How many bytes have been read so far. */
  long position() {
    return position;
  }

  /** The SHA-256 of the whole image; valid once it has been read to its end. */
  String sha256() {
    if (position != size) {
      throw new IllegalStateException("read " + position + " of " + size + " bytes");
    }
    return Sha256.hex(digest);
  }
}
