package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.agent.broker.HiveMqTestBroker;
import dev.firmament.artifact.ArtifactLinks;
import dev.firmament.artifact.S3ArtifactStore;
import dev.firmament.devstack.EmbeddedS3;
import dev.firmament.devstack.SelfSignedTls;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.DownloadLink;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.Transport;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.DeviceReport;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Devices that download their updates themselves over HTTPS from the embedded S3 server, through
 * pre-signed links the gateway hands out with the offer: the bytes never pass the gateway, the
 * server's count (the ranges it signed) equals the device's, a download cut halfway resumes by
 * range, an expired link is refreshed through the protocol within the same attempt, and a tampered
 * object fails the device's hash check.
 */
class HttpsDownloadTest extends FleetTestSupport {

  @TempDir static Path dir;
  private static HiveMqTestBroker broker;
  private static EmbeddedS3 s3;
  private static S3ArtifactStore store;

  private static SelfSignedTls tls;
  private static S3ArtifactStore overTls;

  @BeforeAll
  static void start() {
    broker = HiveMqTestBroker.start(dir.resolve("broker"));
    tls = SelfSignedTls.create(dir.resolve("tls"));
    s3 = EmbeddedS3.startWithTls(dir.resolve("s3"), 0, tls);
    store = S3ArtifactStore.connect(s3.endpoint(), s3.accessKey(), s3.secretKey(), "artifacts");
    // The server writes over plain HTTP; the links it hands devices name the TLS listener.
    overTls =
        S3ArtifactStore.connect(
            s3.endpoint(), s3.secureEndpoint(), s3.accessKey(), s3.secretKey(), "artifacts");
  }

  @AfterAll
  static void stop() {
    overTls.close();
    store.close();
    s3.close();
    broker.close();
  }

  @Override
  String brokerUrl() {
    return broker.url();
  }

  private static FleetOptions https(FleetOptions options) {
    return options.withHttps(new FleetOptions.HttpsFleet(1.0, null));
  }

  /** A delivery of {@code image} through links to {@code storageKey} that live {@code ttl}. */
  private static Delivery linked(
      String deviceId, String storageKey, byte[] image, Duration ttl, AtomicInteger signed) {
    return linkedBy(store, deviceId, storageKey, image, ttl, signed);
  }

  private static Delivery linkedBy(
      S3ArtifactStore signer,
      String deviceId,
      String storageKey,
      byte[] image,
      Duration ttl,
      AtomicInteger signed) {
    return new Delivery(
        deviceId,
        "u-" + deviceId,
        "2.0.0",
        Artifact.full(image.length, sha256(image), CHUNK),
        false,
        null,
        null,
        null,
        null,
        () -> {
          signed.incrementAndGet();
          ArtifactLinks.Link link = signer.presignGet(storageKey, ttl);
          return new DownloadLink(link.url(), link.expiresAt());
        });
  }

  /** The device's terminal report as the gateway passed it on, with the server's count. */
  private DeviceReport awaitEnd(String deviceId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      DeviceReport report = reports.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      assertThat(report).as("a terminal report from " + deviceId).isNotNull();
      if (report.deviceId().equals(deviceId) && report.report().state().isTerminal()) {
        return report;
      }
    }
  }

  @Test
  void theDeviceDownloadsTheArtifactItselfAndBothSidesCountTheSameBytes() throws Exception {
    String key = store.put("firmware", NEW_IMAGE).storageKey();
    fleet =
        start(List.of(new SimulatedDeviceSpec("https-1", "1.0.0")), https(FleetOptions.defaults()));
    AtomicInteger signed = new AtomicInteger();

    gateway.offer(linked("https-1", key, NEW_IMAGE, Duration.ofMinutes(5), signed));
    DeviceReport end = awaitEnd("https-1");

    assertThat(end.report().state()).isEqualTo(DeviceState.SUCCEEDED);
    assertThat(end.transport()).isEqualTo(Transport.HTTPS);
    assertThat(end.served()).isEqualTo((long) NEW_IMAGE.length);
    assertThat(end.report().received()).isEqualTo((long) NEW_IMAGE.length);
    assertThat(signed).hasValue(1);
    // Not one byte of the image went through the gateway.
    assertThat(gateway.stats().bytesSent()).isZero();
    DeviceSnapshot device = fleet.device("https-1");
    assertThat(device.currentVersion()).isEqualTo("2.0.0");
    assertThat(device.verifiedHashes()).isEqualTo(1);
  }

  @Test
  void overTlsTheDeviceTrustsItsPrivateAuthorityAndNoOther() throws Exception {
    String key = store.put("firmware", NEW_IMAGE).storageKey();
    // One device trusts the private authority, the other the JVM's authorities only.
    fleet =
        start(
            List.of(new SimulatedDeviceSpec("tls-trusting", "1.0.0")),
            FleetOptions.defaults().withHttps(new FleetOptions.HttpsFleet(1.0, tls.certificate())));
    FleetSimulator untrusting =
        start(
            List.of(new SimulatedDeviceSpec("tls-default", "1.0.0")),
            FleetOptions.defaults().withHttps(new FleetOptions.HttpsFleet(1.0, null)));
    try {
      AtomicInteger signed = new AtomicInteger();
      gateway.offer(
          linkedBy(overTls, "tls-trusting", key, NEW_IMAGE, Duration.ofMinutes(5), signed));
      DeviceReport end = awaitEnd("tls-trusting");
      assertThat(end.report().state()).isEqualTo(DeviceState.SUCCEEDED);
      assertThat(end.report().received()).isEqualTo((long) NEW_IMAGE.length);

      // A device that does not trust the certificate never gets a byte: after its retries it
      // asks for another link, and gets one, until the update is canceled.
      gateway.offer(
          linkedBy(overTls, "tls-default", key, NEW_IMAGE, Duration.ofMinutes(5), signed));
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> signed.get() >= 3);
      assertThat(untrusting.device("tls-default").currentVersion()).isEqualTo("1.0.0");
      gateway.cancel("tls-default", "u-tls-default");
      assertThat(awaitEnd("tls-default").report().code()).isEqualTo(ErrorCode.CANCELED);
    } finally {
      untrusting.close();
    }
  }

  @Test
  void aDownloadCutHalfwayResumesByRangeWithAFreshLinkOnceItsLinkExpired() throws Exception {
    String key = store.put("firmware", NEW_IMAGE).storageKey();
    // The link lives one second; the slow device takes longer to reach the middle, where its
    // connection is cut: the next request needs a fresh link, asked for through the protocol.
    fleet =
        start(
            List.of(new SimulatedDeviceSpec("https-cut", "1.0.0")),
            https(
                FleetOptions.defaults()
                    .withDropConnectionProbability(1.0)
                    .withSlowLink(1.0, Duration.ofMillis(200))));
    AtomicInteger signed = new AtomicInteger();

    gateway.offer(linked("https-cut", key, NEW_IMAGE, Duration.ofSeconds(1), signed));
    DeviceReport end = awaitEnd("https-cut");

    assertThat(end.report().state()).isEqualTo(DeviceState.SUCCEEDED);
    assertThat(signed.get()).isGreaterThanOrEqualTo(2);
    // Resumed from the byte it had: nothing fetched twice, and the ranges signed are the image.
    assertThat(end.report().received()).isEqualTo((long) NEW_IMAGE.length);
    assertThat(end.served()).isEqualTo((long) NEW_IMAGE.length);
    assertThat(fleet.device("https-cut").installs()).isEqualTo(1);
  }

  @Test
  void aTamperedObjectFailsTheHashCheckAndNothingIsInstalled() throws Exception {
    byte[] tampered = OLD_IMAGE.clone();
    tampered[tampered.length / 2] ^= 0x5a;
    String key = store.put("firmware", OLD_IMAGE).storageKey();
    // Someone with write access to the bucket replaces the object's bytes.
    MinioClient admin =
        MinioClient.builder()
            .endpoint(s3.endpoint())
            .region(s3.region())
            .credentials(s3.accessKey(), s3.secretKey())
            .build();
    admin.putObject(
        PutObjectArgs.builder().bucket("artifacts").object(key).stream(
                new ByteArrayInputStream(tampered), (long) tampered.length, -1L)
            .build());
    admin.close();
    fleet =
        start(
            List.of(new SimulatedDeviceSpec("https-tampered", "1.0.0")),
            https(FleetOptions.defaults()));

    gateway.offer(
        linked("https-tampered", key, OLD_IMAGE, Duration.ofMinutes(5), new AtomicInteger()));
    StatusReport end = awaitEnd("https-tampered").report();

    assertThat(end.state()).isEqualTo(DeviceState.FAILED);
    assertThat(end.code()).isEqualTo(ErrorCode.HASH_MISMATCH);
    assertThat(end.currentVersion()).isEqualTo("1.0.0");
    assertThat(fleet.device("https-tampered").installs()).isZero();
  }

  @Test
  void aLinkReadsItsOneObjectByRangeAndStopsWorkingWhenItExpires() throws Exception {
    String key = store.put("firmware", NEW_IMAGE).storageKey();
    String other = store.put("firmware", OLD_IMAGE).storageKey();
    // A signature's time is whole seconds, so a link can expire up to a second before the
    // duration says: give the first reads room on a loaded machine (a 1-second link once failed
    // its first read with 403 in CI).
    ArtifactLinks.Link link = store.presignGet(key, Duration.ofSeconds(4));
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<byte[]> range = get(http, link.url(), "bytes=100-199");
      assertThat(range.statusCode()).isEqualTo(206);
      assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(NEW_IMAGE, 100, 200));
      // The signature covers the object's name: the same link for another object is refused.
      assertThat(get(http, link.url().replace(key, other), "bytes=0-9").statusCode())
          .isEqualTo(403);
      Thread.sleep(link.expiresAt().toEpochMilli() - System.currentTimeMillis() + 1_100);
      assertThat(get(http, link.url(), "bytes=0-9").statusCode()).isEqualTo(403);
    }
  }

  private static HttpResponse<byte[]> get(HttpClient http, String url, String range)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).header("Range", range).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}
