package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.firmament.artifact.ArtifactStore;
import dev.firmament.manifest.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.util.unit.DataSize;

/**
 * Uploads larger than the API's heap could hold. The API runs in a child JVM with a small heap
 * ({@code -Xmx96m} by default, and {@code -XX:+ExitOnOutOfMemoryError}, so that running out of
 * memory cannot be absorbed) against the suite's PostgreSQL and S3, and receives an image larger
 * than that heap, generated on the fly from a seeded PRNG while its SHA-256 is computed.
 *
 * <p>The suite sends 128 MiB into a 96 MB heap: an API that held the image, or any copy of it,
 * would run out of memory (a 64 MB heap, with the API itself in it, ran out on a loaded machine
 * within a second of an upload; 256 MiB cost the suite about 20 s more and proves no more). The
 * issue's case, a 1 GiB image into a 256 MB heap, runs with {@code -Dfirmament.test.upload-size=1GB
 * -Dfirmament.test.upload-heap=256m} (sizes are Spring's {@code DataSize}, in which 1GB is 2^30
 * bytes).
 */
class LargeUploadTest extends ApiIntegrationTest {
  static final long IMAGE_SIZE =
      DataSize.parse(System.getProperty("firmament.test.upload-size", "128MB")).toBytes();
  static final String HEAP = System.getProperty("firmament.test.upload-heap", "96m");

  private static final Pattern SHA256 = Pattern.compile("\"sha256\":\"([0-9a-f]{64})\"");
  private static final Pattern SIZE = Pattern.compile("\"size\":(\\d+)");

  private static ChildApi api;
  private static int port;

  @Autowired ArtifactStore artifacts;

  @BeforeAll
  static void startApiWithASmallHeap() throws Exception {
    api =
        ChildApi.start(
            "large-upload-api",
            HEAP,
            false,
            List.of(
                "--firmament.firmware.max-image-size=" + IMAGE_SIZE + "B",
                // The background workers of the API role are not what this measures, and in this
                // process they would claim the other tests' webhook deliveries and cloud code runs
                // from the shared database.
                "--firmament.webhooks.deliver=false",
                "--firmament.cloud-code.run=false"));
    port = api.port();
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void streamsAnImageLargerThanTheHeapIntoTheStore() throws Exception {
    String productId = createProduct();
    Set<Path> before = bucketFiles();
    GeneratedImage image = new GeneratedImage(42, IMAGE_SIZE);

    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                upload(productId, "9.0.0")
                    .POST(
                        BodyPublishers.fromPublisher(
                            BodyPublishers.ofInputStream(() -> image), IMAGE_SIZE))
                    .build(),
                BodyHandlers.ofString());

    assertThat(response.statusCode()).as(response.body() + logTail()).isEqualTo(201);
    String sha256 = image.sha256();
    assertThat(field(SHA256, response.body())).isEqualTo(sha256);
    assertThat(Long.parseLong(field(SIZE, response.body()))).isEqualTo(IMAGE_SIZE);
    var row =
        dsl.select(
                PRODUCT_FIRMWARE.SHA256, PRODUCT_FIRMWARE.SIZE_BYTES, PRODUCT_FIRMWARE.STORAGE_KEY)
            .from(PRODUCT_FIRMWARE)
            .where(PRODUCT_FIRMWARE.PRODUCT_ID.eq(UUID.fromString(productId)))
            .and(PRODUCT_FIRMWARE.VERSION.eq("9.0.0"))
            .fetchSingle();
    assertThat(row.value1()).isEqualTo(sha256);
    assertThat(row.value2()).isEqualTo(IMAGE_SIZE);
    assertThat(row.value3()).isEqualTo("full/" + sha256);
    assertThat(artifacts.stat("full/" + sha256).orElseThrow().size()).isEqualTo(IMAGE_SIZE);
    assertThat(hashOf("full/" + sha256)).isEqualTo(sha256);
    // Only the image's own object is new: no staged copy and no multipart parts are left over.
    assertThat(newFiles(before)).containsExactly(bucketPath("full/" + sha256));
  }

  @Test
  void refusesAnImageThatStreamsPastTheLimitAndKeepsNothing() throws Exception {
    String productId = createProduct();
    Set<Path> before = bucketFiles();
    GeneratedImage image = new GeneratedImage(7, IMAGE_SIZE + 1);

    // No length given: the client sends chunks, and only the stream itself can tell the size.
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                upload(productId, "9.1.0").POST(BodyPublishers.ofInputStream(() -> image)).build(),
                BodyHandlers.ofString());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
    assertThat(response.body()).contains("\"code\":\"TOO_LARGE\"");
    assertNoFirmware(productId, "9.1.0");
    // The refusal is answered after the store has aborted the multipart upload and removed what
    // it had staged.
    assertThat(newFiles(before)).isEmpty();
  }

  @Test
  void refusesAnAnnouncedOversizeBeforeReadingIt() throws Exception {
    String productId = createProduct();

    String answer = sendPartially(productId, "9.2.0", IMAGE_SIZE + 1, 0, null);

    assertThat(answer).startsWith("HTTP/1.1 413").contains("\"code\":\"TOO_LARGE\"");
    assertNoFirmware(productId, "9.2.0");
  }

  @Test
  void anUploadBrokenOffMidwayLeavesNoRowAndNoObject() throws Exception {
    String productId = createProduct();
    Set<Path> before = bucketFiles();

    // Three parts' worth is sent, the connection is cut once the store holds some of it, and
    // everything the upload had written must then go away.
    sendPartially(
        productId,
        "9.3.0",
        IMAGE_SIZE,
        Math.min(IMAGE_SIZE - 1, 24L * 1024 * 1024),
        () -> await().atMost(Duration.ofSeconds(30)).until(() -> !newFiles(before).isEmpty()));

    await().atMost(Duration.ofSeconds(30)).until(() -> newFiles(before).isEmpty());
    assertNoFirmware(productId, "9.3.0");
  }

  private HttpRequest.Builder upload(String productId, String version) {
    return HttpRequest.newBuilder(
            URI.create(base() + "/api/v1/products/" + productId + "/firmware?version=" + version))
        .timeout(Duration.ofMinutes(10))
        .header("Authorization", "Bearer " + ownerToken())
        .header("Content-Type", "application/octet-stream");
  }

  /**
   * Announces {@code announced} bytes, sends {@code sent} of them, runs {@code whileOpen} and
   * closes; returns what the server answered when nothing is left to send, or "" otherwise.
   */
  private String sendPartially(
      String productId, String version, long announced, long sent, Runnable whileOpen)
      throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/v1/products/"
                  + productId
                  + "/firmware?version="
                  + version
                  + " HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nAuthorization: Bearer "
                  + ownerToken()
                  + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                  + announced
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      new GeneratedImage(3, sent).transferTo(out);
      out.flush();
      if (whileOpen != null) {
        whileOpen.run();
        return "";
      }
      socket.setSoTimeout(30_000);
      return readAnswer(socket.getInputStream());
    }
  }

  /**
   * Reads an answer up to the end of its JSON body: the server may hold the connection open
   * afterwards, waiting for the rest of a body it refused.
   */
  private static String readAnswer(InputStream in) throws IOException {
    StringBuilder answer = new StringBuilder();
    byte[] buffer = new byte[1024];
    int n;
    while ((n = in.read(buffer)) != -1) {
      answer.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
      int body = answer.indexOf("\r\n\r\n");
      if (body >= 0 && answer.indexOf("}", body) >= 0) {
        break;
      }
    }
    return answer.toString();
  }

  private void assertNoFirmware(String productId, String version) {
    assertThat(
            dsl.fetchCount(
                PRODUCT_FIRMWARE,
                PRODUCT_FIRMWARE
                    .PRODUCT_ID
                    .eq(UUID.fromString(productId))
                    .and(PRODUCT_FIRMWARE.VERSION.eq(version))))
        .isZero();
  }

  private String hashOf(String storageKey) throws IOException {
    MessageDigest digest = Sha256.newDigest();
    try (InputStream in = new DigestInputStream(artifacts.open(storageKey), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return Sha256.hex(digest);
  }

  private static Path bucketPath(String key) {
    return STACK.s3Data.resolve(TestStack.BUCKET).resolve(key);
  }

  /** Every file the S3 endpoint keeps for the test bucket: objects, staged uploads and parts. */
  private static Set<Path> bucketFiles() {
    try (Stream<Path> files = Files.walk(STACK.s3Data.resolve(TestStack.BUCKET))) {
      return new HashSet<>(files.filter(Files::isRegularFile).toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Set<Path> newFiles(Set<Path> before) {
    Set<Path> now = bucketFiles();
    now.removeAll(before);
    return now;
  }

  private static String field(Pattern pattern, String json) {
    Matcher m = pattern.matcher(json);
    assertThat(m.find()).as(json).isTrue();
    return m.group(1);
  }

  private static String base() {
    return api.base();
  }

  private static String logTail() {
    return api.logTail();
  }
}
