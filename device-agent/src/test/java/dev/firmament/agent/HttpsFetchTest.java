package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.firmament.protocol.DownloadLink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One download over HTTP against a local server that answers as storage may: ranges, the whole
 * object, refusals, errors and a connection that ends early.
 */
class HttpsFetchTest {

  private static final byte[] OBJECT = new byte[10_000];

  static {
    new Random(7).nextBytes(OBJECT);
  }

  /** How the server answers the next requests, in order; the last one repeats. */
  private interface Answer {
    void answer(HttpExchange exchange, long from) throws IOException;
  }

  private HttpServer server;
  private final List<Answer> answers = new ArrayList<>();
  private final List<String> ranges = new ArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private HttpClient http;
  private java.util.concurrent.ExecutorService handlers;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    // Handlers that stall must not hold up the others.
    handlers = java.util.concurrent.Executors.newCachedThreadPool();
    server.setExecutor(handlers);
    server.createContext(
        "/object",
        exchange -> {
          String range = exchange.getRequestHeaders().getFirst("Range");
          synchronized (ranges) {
            ranges.add(range);
          }
          long from = Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
          int n = requests.getAndIncrement();
          answers.get(Math.min(n, answers.size() - 1)).answer(exchange, from);
          exchange.close();
        });
    server.start();
    http = HttpClient.newHttpClient();
  }

  @AfterEach
  void stop() {
    http.close();
    server.stop(0);
    handlers.shutdownNow();
  }

  private static void partial(HttpExchange exchange, long from, int upTo) throws IOException {
    int end = Math.min(upTo, OBJECT.length);
    exchange
        .getResponseHeaders()
        .add("Content-Range", "bytes " + from + "-" + (OBJECT.length - 1) + "/" + OBJECT.length);
    // Chunked, so that a body that ends early ends cleanly where the test says.
    exchange.sendResponseHeaders(206, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(OBJECT, (int) from, (int) (end - from));
    }
  }

  private static final Answer RANGE = (exchange, from) -> partial(exchange, from, OBJECT.length);

  /** A server that ignores the range and sends the whole object. */
  private static final Answer WHOLE =
      (exchange, from) -> {
        exchange.sendResponseHeaders(200, OBJECT.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(OBJECT);
        }
      };

  /** A device that keeps what it is given in order, and counts. */
  private static final class Device implements HttpsFetch.Device {
    final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    final DownloadLink link;
    long arrived;
    int linkRequests;

    Device(DownloadLink link) {
      this.link = link;
    }

    @Override
    public synchronized HttpsFetch.Position position() {
      return kept.size() == OBJECT.length || linkRequests > 0
          ? null
          : new HttpsFetch.Position(link, kept.size(), OBJECT.length, 1_000);
    }

    @Override
    public synchronized boolean take(int arrivedBytes, long offset, byte[] bytes) {
      arrived += arrivedBytes;
      if (bytes.length > 0) {
        assertThat(offset).isEqualTo(kept.size());
      }
      kept.writeBytes(bytes);
      return kept.size() < OBJECT.length;
    }

    @Override
    public synchronized void linkExpired() {
      linkRequests++;
    }
  }

  private DownloadLink link(Instant expiresAt) {
    return new DownloadLink(
        "http://127.0.0.1:" + server.getAddress().getPort() + "/object", expiresAt);
  }

  private Device fetch(DeviceFaults faults, Instant expiresAt, Clock clock) {
    Device device = new Device(link(expiresAt));
    new HttpsFetch("d-1", http, device, faults, clock).run();
    return device;
  }

  private Device fetch() {
    return fetch(DeviceFaults.none(), Instant.now().plusSeconds(60), Clock.systemUTC());
  }

  @Test
  void theWholeObjectArrivesByRangeInOrder() {
    answers.add(RANGE);
    Device device = fetch();
    assertThat(device.kept.toByteArray()).isEqualTo(OBJECT);
    assertThat(device.arrived).isEqualTo(OBJECT.length);
    assertThat(ranges).containsExactly("bytes=0-");
  }

  @Test
  void aStreamThatEndsEarlyIsResumedFromTheByteTheDeviceHolds() {
    answers.add((exchange, from) -> partial(exchange, from, 4_500));
    answers.add(RANGE);
    Device device = fetch();
    assertThat(device.kept.toByteArray()).isEqualTo(OBJECT);
    // It goes on from the last byte it got, in the middle of a piece: nothing fetched twice.
    assertThat(device.arrived).isEqualTo(OBJECT.length);
    assertThat(ranges).hasSize(2);
    assertThat(ranges.get(1)).isEqualTo("bytes=4500-");
  }

  @Test
  void theDropFaultCutsTheDownloadOnceHalfwayAndItResumes() {
    answers.add(RANGE);
    Device device =
        fetch(
            new DeviceFaults(false, true, false, false, false, Duration.ZERO),
            Instant.now().plusSeconds(60),
            Clock.systemUTC());
    assertThat(device.kept.toByteArray()).isEqualTo(OBJECT);
    assertThat(ranges).containsExactly("bytes=0-", "bytes=5000-");
    // The cut came at a piece boundary: every byte that arrived was kept.
    assertThat(device.arrived).isEqualTo(OBJECT.length);
  }

  @Test
  void aServerThatIgnoresRangesSendsEverythingAndTheHeldBytesAreSkipped() {
    answers.add((exchange, from) -> partial(exchange, from, 3_000));
    answers.add(WHOLE);
    Device device = fetch();
    assertThat(device.kept.toByteArray()).isEqualTo(OBJECT);
    assertThat(device.arrived).isEqualTo(3_000 + OBJECT.length);
  }

  @Test
  void heldBytesInTheMiddleOfAPieceAreSkippedExactly() {
    answers.add((exchange, from) -> partial(exchange, from, 3_500));
    answers.add(WHOLE);
    Device device = fetch();
    assertThat(device.kept.toByteArray()).isEqualTo(OBJECT);
    assertThat(device.arrived).isEqualTo(3_500 + OBJECT.length);
  }

  @Test
  void connectionsThatGoSilentAfterSomeBytesAreDroppedAndNoFailuresHoweverOftenTheyStall() {
    // Each answer sends 1,500 bytes of what it promised, then goes silent with its connection
    // open: more stalls than the failures allowed in a row, and still every byte arrives once.
    answers.add(
        (exchange, from) -> {
          exchange
              .getResponseHeaders()
              .add(
                  "Content-Range",
                  "bytes " + from + "-" + (OBJECT.length - 1) + "/" + OBJECT.length);
          exchange.sendResponseHeaders(206, OBJECT.length - from);
          OutputStream out = exchange.getResponseBody();
          int n = (int) Math.min(1_500, OBJECT.length - from);
          out.write(OBJECT, (int) from, n);
          out.flush();
          if (from + n < OBJECT.length) {
            sleep(3_000);
          }
          try {
            out.close();
          } catch (IOException ignored) {
            // Fewer bytes than promised.
          }
        });
    Device device = new Device(link(Instant.now().plusSeconds(60)));
    new HttpsFetch(
            "d-1", http, device, DeviceFaults.none(), Clock.systemUTC(), Duration.ofMillis(300))
        .run();
    assertThat(device.kept.toByteArray()).isEqualTo(OBJECT);
    assertThat(device.linkRequests).isZero();
    assertThat(requests.get()).isGreaterThan(HttpsFetch.MAX_FAILURES);
  }

  @Test
  void connectionsThatBreakBeforeAnyByteAreFailuresAndAfterFiveTheDeviceAsksForAnotherLink() {
    // The server hangs up without an answer (the exchange is closed before any header).
    answers.add((exchange, from) -> {});
    Device device = fetch();
    assertThat(device.linkRequests).isEqualTo(1);
    assertThat(device.kept.size()).isZero();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aRefusalAsksForAFreshLinkAndFetchesNothingMore() {
    answers.add(
        (exchange, from) -> {
          exchange.sendResponseHeaders(403, -1);
        });
    Device device = fetch();
    assertThat(device.linkRequests).isEqualTo(1);
    assertThat(device.kept.size()).isZero();
    assertThat(requests).hasValue(1);
  }

  @Test
  void anExpiredLinkIsNotUsedAtAll() {
    answers.add(RANGE);
    Instant now = Instant.parse("2026-12-06T12:00:00Z");
    Device device = fetch(DeviceFaults.none(), now, Clock.fixed(now, ZoneOffset.UTC));
    assertThat(device.linkRequests).isEqualTo(1);
    assertThat(requests).hasValue(0);
  }

  @Test
  void aWrongRangeOrServerErrorsAreRetriedAndAfterFiveTheDeviceAsksForAnotherLink() {
    answers.add(
        (exchange, from) -> {
          exchange.getResponseHeaders().add("Content-Range", "bytes 17-9999/" + OBJECT.length);
          exchange.sendResponseHeaders(206, 0);
          exchange.getResponseBody().close();
        });
    answers.add(
        (exchange, from) -> {
          exchange.sendResponseHeaders(503, -1);
        });
    Device device = fetch();
    assertThat(requests).hasValue(HttpsFetch.MAX_FAILURES);
    assertThat(device.linkRequests).isEqualTo(1);
    assertThat(device.kept.size()).isZero();
  }
}
