package dev.firmament.agent;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Images shared by the in-memory slots of a simulated fleet, keyed by SHA-256. Ten thousand devices
 * that install the same image keep one copy of it, not ten thousand. Thread-safe.
 */
public final class ImagePool {

  private final Map<String, byte[]> images = new ConcurrentHashMap<>();

  /**
   * Returns the pooled image with this hash, adding {@code image} if there is none yet. The caller
   * must not modify either array afterwards.
   */
  public byte[] intern(String sha256, byte[] image) {
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(image, "image");
    byte[] pooled = images.putIfAbsent(sha256, image);
    return pooled == null ? image : pooled;
  }

  /** Number of distinct images held. */
  public int size() {
    return images.size();
  }
}
