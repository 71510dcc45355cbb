package dev.firmament.agent;

import dev.firmament.protocol.DownloadLink;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's download of one artifact over HTTPS (docs/device-protocol.md, section 6.5): range
 * requests to the offer's link from the byte the device holds, the body handed to the device piece
 * by piece, and after a drop the same again from where it stands. It runs on a virtual thread of
 * its own and stops when the device no longer wants bytes (the download is complete, replaced or
 * canceled) or when its link no longer works; the device then asks the server for a fresh one and
 * starts a new fetch when the offer comes back with it.
 */
final class HttpsFetch implements Runnable {

  /** The device's side: where it stands, and what it does with the bytes. Called from the fetch. */
  interface Device {

    /** Where to fetch from now; null when the download wants no more bytes. */
    Position position();

    /**
     * Counts {@code arrived} bytes that came over the network and takes {@code bytes} (the part of
     * them the device does not hold yet, possibly none) at {@code offset}; false when the download
     * wants no more.
     */
    boolean take(int arrived, long offset, byte[] bytes);

    /** The link no longer works: ask the server for a fresh one. */
    void linkExpired();
  }

  /** The link to use and the next byte the device needs, of an artifact of {@code size} bytes. */
  record Position(DownloadLink link, long offset, long size, int pieceSize) {}

  private static final Logger log = LoggerFactory.getLogger(HttpsFetch.class);
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  /** Failed requests in a row, other than expiry, after which the device asks for a fresh link. */
  static final int MAX_FAILURES = 5;

  private final String deviceId;
  private final HttpClient http;
  private final Device device;
  private final DeviceFaults faults;
  private final Clock clock;
  private boolean cut;

  /** Bytes the device kept from the current request. */
  private long took;

  /** How long a response body may stay silent before the device drops the connection. */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Closes the bodies of requests that went silent: the HTTP client waits for a body's bytes
   * without a limit, and a stalled connection would otherwise hold the download forever.
   */
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("firmament-fetch-watchdog").daemon().factory());

  private final Duration readTimeout;
  private volatile long lastReadNanos;

  HttpsFetch(String deviceId, HttpClient http, Device device, DeviceFaults faults, Clock clock) {
    this(deviceId, http, device, faults, clock, READ_TIMEOUT);
  }

  HttpsFetch(
      String deviceId,
      HttpClient http,
      Device device,
      DeviceFaults faults,
      Clock clock,
      Duration readTimeout) {
    this.deviceId = deviceId;
    this.http = http;
    this.device = device;
    this.faults = faults;
    this.clock = clock;
    this.readTimeout = readTimeout;
  }

  @Override
  public void run() {
    int failures = 0;
    long backoffMillis = 200;
    while (true) {
      Position at = device.position();
      if (at == null) {
        return;
      }
      if (!clock.instant().isBefore(at.link().expiresAt())) {
        device.linkExpired();
        return;
      }
      Outcome outcome;
      took = 0;
      try {
        outcome = fetch(at);
      } catch (IOException | RuntimeException e) {
        // A dropped connection; or a link the client cannot use, which a fresh one may mend.
        log.debug("device {} download dropped at {}: {}", deviceId, at.offset(), e.toString());
        // A connection that ended after some bytes is no failure: go on from there.
        outcome = took > 0 ? Outcome.PROGRESSED : Outcome.RETRY;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      switch (outcome) {
        case DONE -> {
          // The device took no more: its position says whether it still wants bytes (the next
          // round ends the fetch when it does not).
        }
        case EXPIRED -> {
          device.linkExpired();
          return;
        }
        case PROGRESSED -> {
          failures = 0;
          backoffMillis = 200;
        }
        case RETRY -> {
          if (++failures >= MAX_FAILURES) {
            log.info(
                "device {} gives up on its download link after {} failures; asks for another",
                deviceId,
                failures);
            device.linkExpired();
            return;
          }
          try {
            Thread.sleep(backoffMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          backoffMillis = Math.min(backoffMillis * 2, 5_000);
        }
      }
    }
  }

  private enum Outcome {
    /** The device wants no more bytes. */
    DONE,
    /** The link was refused: expired (or not valid for this object). */
    EXPIRED,
    /** Bytes came, then the stream ended early: go on from where the device stands. */
    PROGRESSED,
    /** Nothing came: try again after a pause. */
    RETRY
  }

  private Outcome fetch(Position at) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(at.link().url()))
            .timeout(Duration.ofSeconds(30))
            .header("Range", "bytes=" + at.offset() + "-")
            .GET()
            .build();
    HttpResponse<InputStream> response =
        http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    InputStream body = response.body();
    lastReadNanos = System.nanoTime();
    long check = Math.max(1, readTimeout.toMillis() / 4);
    ScheduledFuture<?> watch =
        WATCHDOG.scheduleWithFixedDelay(
            () -> {
              if (System.nanoTime() - lastReadNanos > readTimeout.toNanos()) {
                log.debug("device {} download silent for {}; dropping it", deviceId, readTimeout);
                closeQuietly(body);
              }
            },
            check,
            check,
            TimeUnit.MILLISECONDS);
    try (body) {
      int status = response.statusCode();
      if (status == 403) {
        log.info("device {} download link refused (403): expired or not for this object", deviceId);
        return Outcome.EXPIRED;
      }
      long offset;
      if (status == 206) {
        String range = response.headers().firstValue("Content-Range").orElse("");
        Matcher m = CONTENT_RANGE.matcher(range);
        if (!m.matches() || Long.parseLong(m.group(1)) != at.offset()) {
          log.warn("device {} got the wrong range '{}' for {}", deviceId, range, at.offset());
          return Outcome.RETRY;
        }
        offset = at.offset();
      } else if (status == 200) {
        // A server that ignores ranges sends everything: skip what the device holds.
        offset = 0;
      } else {
        log.info("device {} download answered HTTP {}", deviceId, status);
        return Outcome.RETRY;
      }
      return read(body, offset, at);
    } finally {
      watch.cancel(false);
    }
  }

  private static void closeQuietly(InputStream body) {
    try {
      body.close();
    } catch (IOException | RuntimeException e) {
      // Closing is all that is wanted.
    }
  }

  private Outcome read(InputStream body, long offset, Position at)
      throws IOException, InterruptedException {
    boolean progressed = false;
    byte[] piece = new byte[at.pieceSize()];
    while (offset < at.size()) {
      int want = (int) Math.min(piece.length, at.size() - offset);
      int n = body.readNBytes(piece, 0, want);
      lastReadNanos = System.nanoTime();
      if (n <= 0) {
        break;
      }
      if (!faults.chunkDelay().isZero()) {
        Thread.sleep(faults.chunkDelay());
      }
      long end = offset + n;
      int skip = (int) Math.min(n, Math.max(0, at.offset() - offset));
      byte[] kept = new byte[n - skip];
      System.arraycopy(piece, skip, kept, 0, kept.length);
      if (!device.take(n, offset + skip, kept)) {
        return Outcome.DONE;
      }
      progressed |= kept.length > 0;
      took += kept.length;
      offset = end;
      if (faults.dropMidTransfer() && !cut && offset >= at.size() / 2 && offset < at.size()) {
        // The simulated drop: the connection ends halfway, once per download.
        cut = true;
        log.debug("device {} download cut at {}", deviceId, offset);
        return Outcome.PROGRESSED;
      }
    }
    return progressed ? Outcome.PROGRESSED : Outcome.RETRY;
  }
}
