package dev.firmament.protocol;

import java.time.Instant;

/**
 * Where a device that downloads over HTTPS fetches an offer's artifact: a pre-signed link scoped to
 * that one object, and when it stops working. The device asks for a fresh link with a {@code
 * DOWNLOADING} report that says {@code linkExpired} (docs/device-protocol.md, section 6.5).
 *
 * @param url the object's pre-signed URL, {@code https://} (or {@code http://} on a loopback test
 *     stack), at most {@value #MAX_URL_CHARS} characters; the device sends range requests to it
 * @param expiresAt when the link stops working
 */
public record DownloadLink(String url, Instant expiresAt) {

  /** Longest link an offer may carry; a pre-signed S3 URL is a few hundred characters. */
  public static final int MAX_URL_CHARS = 4096;

  public DownloadLink {
    Checks.require(url != null, "download.url is required");
    Checks.require(
        url.length() <= MAX_URL_CHARS,
        "download.url must be at most " + MAX_URL_CHARS + " characters");
    Checks.require(
        url.startsWith("https://") || url.startsWith("http://"),
        "download.url must be an https:// (or http://) URL");
    Checks.require(expiresAt != null, "download.expiresAt is required");
  }
}
