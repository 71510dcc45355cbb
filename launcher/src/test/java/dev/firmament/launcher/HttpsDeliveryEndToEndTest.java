package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firmament.agent.FleetOptions;
import dev.firmament.agent.FleetSimulator;
import dev.firmament.agent.SimulatedDeviceSpec;
import dev.firmament.artifact.ArtifactLinks;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.devstack.Endpoints;
import dev.firmament.devstack.SelfSignedTls;
import dev.firmament.protocol.server.DeviceGateway;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.awaitility.Awaitility;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One release rolled out on the embedded stack to a mixed fleet, the demo's: every second device
 * declares that it downloads over HTTPS and fetches its patch from the embedded S3 server's TLS
 * listener through a pre-signed https:// link, trusting the stack's certificate; the others take
 * MQTT chunks from the workers. One more HTTPS device, on a slow link that is cut halfway, needs
 * the full image and outlives its one-second link: it asks for a fresh one through the protocol and
 * resumes by range within the same attempt. Every device's result says how its bytes went, the
 * server's count equals the device's own on both paths, and the demo's summary splits it so.
 */
class HttpsDeliveryEndToEndTest {
  private static final int MIXED = 6;

  @TempDir Path dataDir;

  @Test
  void aMixedFleetUpdatesOverBothPathsAndBothSidesCountTheSameBytes() throws Exception {
    try (DevServer server =
        DevServer.start(
            DevStackOptions.onFreePorts(dataDir),
            0,
            // Links that live a second, and pieces of 4 KiB so that the slow device's download
            // of the 54 KB image is cut halfway and outlives its link.
            Map.of(
                "firmament.delivery.https.link-ttl",
                "1s",
                "firmament.delivery.https.piece-size",
                "4096"))) {
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
      Demo demo = new Demo(System.out);
      List<SimulatedDeviceSpec> specs = new ArrayList<>(Demo.fleetSpecs("mixed", MIXED));
      specs.add(new SimulatedDeviceSpec("mixed-slow", Demo.FROM_VERSION));
      Demo.Prepared prepared = demo.prepareProduct(api, specs);
      FleetOptions options = Demo.fleetOptions(server, prepared.productId());
      SimulatedDeviceSpec slow = prepared.devices().getLast();
      // The devices trust the certificate of the stack's S3 server, and nothing else.
      Path certificate = server.stack().endpoints().s3Certificate();
      try (FleetSimulator mixed =
              FleetSimulator.start(
                  server.stack().endpoints().mqttUrl(),
                  prepared.devices().subList(0, MIXED),
                  options.withHttps(Demo.httpsFleet(server)));
          FleetSimulator cut =
              FleetSimulator.start(
                  server.stack().endpoints().mqttUrl(),
                  List.of(slow),
                  options
                      .withHttps(new FleetOptions.HttpsFleet(1.0, certificate))
                      .withDropConnectionProbability(1.0)
                      .withSlowLink(1.0, Duration.ofMillis(150)))) {
        demo.awaitFleetReported(api, MIXED + 1);
        demo.uploadIfMissing(api, prepared.productId(), Demo.FROM_VERSION, "armapp.old");
        demo.uploadIfMissing(api, prepared.productId(), Demo.TO_VERSION, "armapp.new");
        demo.awaitDeltas(api, prepared.productId());

        Map<String, Object> input = new HashMap<>();
        input.put("productId", prepared.productId());
        input.put("targetVersion", Demo.TO_VERSION);
        input.put("maxInFlight", MIXED + 1);
        String jobId = JobWaits.create(api, input);
        JsonNode done =
            JobWaits.awaitJob(api, jobId, job -> "SUCCEEDED".equals(job.path("status").asText()));
        assertThat(done.path("status").asText()).isEqualTo("SUCCEEDED");

        Map<String, JsonNode> results = results(api, jobId);
        assertThat(results).hasSize(MIXED + 1);
        long pushed = 0;
        long downloaded = 0;
        for (int i = 0; i <= MIXED; i++) {
          String deviceId = prepared.devices().get(i).deviceId();
          JsonNode r = results.get(deviceId);
          boolean https = i == MIXED || i % 2 == 1;
          assertThat(r.path("state").asText()).as(deviceId).isEqualTo("SUCCEEDED");
          assertThat(r.path("transport").asText()).as(deviceId).isEqualTo(https ? "HTTPS" : "MQTT");
          assertThat(r.path("bytesSent").asLong()).as(deviceId).isPositive();
          // The server's count (pushed, or signed for) is what the device says it received.
          assertThat(r.path("bytesReceived").asLong())
              .as(deviceId)
              .isEqualTo(r.path("bytesSent").asLong());
          if (https) {
            downloaded += r.path("bytesSent").asLong();
          } else {
            pushed += r.path("bytesSent").asLong();
          }
        }
        // What the demo's summary prints: the bytes by the path they took.
        Demo.Bytes summary = Demo.bytesSent(api, jobId, MIXED + 1);
        assertThat(summary.byTransport())
            .containsExactly(Map.entry("MQTT", pushed), Map.entry("HTTPS", downloaded));
        assertThat(summary.total()).isEqualTo(pushed + downloaded);
        assertThat(Demo.byTransport(summary.byTransport()))
            .isEqualTo(String.format(" (%,d over MQTT, %,d over HTTPS)", pushed, downloaded));
        // The device on a cut link got the full image, each byte once, over two links at least.
        assertThat(results.get(slow.deviceId()).path("artifactKind").asText()).isEqualTo("FULL");
        assertThat(results.get(slow.deviceId()).path("bytesSent").asLong())
            .isEqualTo(Demo.readSample("armapp.new").length);
        assertThat(cut.device(slow.deviceId()).currentVersion()).isEqualTo(Demo.TO_VERSION);
        // No byte of an HTTPS device's update went through the workers' gateway.
        assertThat(server.context().getBean(DeviceGateway.class).stats().bytesSent())
            .isEqualTo(pushed);
        for (String id : mixed.deviceIds()) {
          assertThat(mixed.device(id).currentVersion()).as(id).isEqualTo(Demo.TO_VERSION);
        }
        // A link refresh is no new attempt.
        assertThat(results.get(slow.deviceId()).path("attempt").asInt()).isEqualTo(1);

        // Someone with write access to the bucket replaces the published patch's bytes. The
        // workers still hold the patch they verified, but a device that downloads gets the
        // object as it is now: its hash check refuses it and nothing is installed.
        DSLContext db = server.context().getBean(DSLContext.class);
        String patchKey = PublishedDelta.toDemoTarget(db, prepared.productId()).getStorageKey();
        assertLinksNameTheTlsListener(server, patchKey);
        tamper(server, patchKey);
        Demo.Prepared late =
            demo.prepareProduct(api, List.of(Demo.fleetSpecs("late", 1).getFirst()));
        try (FleetSimulator lateFleet =
            FleetSimulator.start(
                server.stack().endpoints().mqttUrl(),
                late.devices(),
                options.withHttps(new FleetOptions.HttpsFleet(1.0, certificate)))) {
          // The others run the release already: the late one is the only device on the old version.
          demo.awaitFleetReported(api, 1);
          input.put("maxInFlight", 1);
          String again = JobWaits.create(api, input);
          String lateId = late.devices().getFirst().deviceId();
          JsonNode refused =
              Awaitility.await()
                  .atMost(Duration.ofSeconds(60))
                  .until(
                      () -> results(api, again).get(lateId),
                      r -> r != null && "FAILED".equals(r.path("state").asText()));
          assertThat(refused.path("state").asText()).isEqualTo("FAILED");
          assertThat(refused.path("errorCode").asText()).isEqualTo("HASH_MISMATCH");
          assertThat(refused.path("transport").asText()).isEqualTo("HTTPS");
          assertThat(lateFleet.device(lateId).currentVersion()).isEqualTo(Demo.FROM_VERSION);
          assertThat(lateFleet.device(lateId).installs()).isZero();
        }
      }
    }
  }

  /**
   * The links the server hands devices (its one signer, the workers' {@link ArtifactLinks}) name
   * the stack's S3 over TLS: with the stack's certificate one reads the object the plain listener
   * holds, and a client that trusts only the JDK's authorities fails the handshake.
   */
  private static void assertLinksNameTheTlsListener(DevServer server, String key) throws Exception {
    Endpoints endpoints = server.stack().endpoints();
    String url =
        server.context().getBean(ArtifactLinks.class).presignGet(key, Duration.ofMinutes(1)).url();
    assertThat(url).startsWith(endpoints.s3PublicEndpoint() + "/").startsWith("https://");
    HttpRequest get = HttpRequest.newBuilder(URI.create(url)).build();
    try (HttpClient trusting =
        HttpClient.newBuilder()
            .sslContext(SelfSignedTls.clientContext(endpoints.s3Certificate()))
            .build()) {
      HttpResponse<byte[]> response = trusting.send(get, HttpResponse.BodyHandlers.ofByteArray());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo(read(endpoints, key));
    }
    try (HttpClient untrusting = HttpClient.newHttpClient()) {
      assertThatThrownBy(() -> untrusting.send(get, HttpResponse.BodyHandlers.discarding()))
          .isInstanceOf(SSLHandshakeException.class);
    }
  }

  /** An object of the dev stack's bucket, read through the plain listener. */
  private static byte[] read(Endpoints endpoints, String key) throws Exception {
    MinioClient admin =
        MinioClient.builder()
            .endpoint(endpoints.s3Endpoint())
            .region("us-east-1")
            .credentials(endpoints.s3AccessKey(), endpoints.s3SecretKey())
            .build();
    try (var in =
        admin.getObject(
            GetObjectArgs.builder().bucket(Endpoints.ARTIFACT_BUCKET).object(key).build())) {
      return in.readAllBytes();
    } finally {
      admin.close();
    }
  }

  /** Overwrites an object of the dev stack's bucket with its bytes, one of them flipped. */
  private static void tamper(DevServer server, String key) throws Exception {
    Endpoints endpoints = server.stack().endpoints();
    MinioClient admin =
        MinioClient.builder()
            .endpoint(endpoints.s3Endpoint())
            .region("us-east-1")
            .credentials(endpoints.s3AccessKey(), endpoints.s3SecretKey())
            .build();
    byte[] bytes;
    try (var in =
        admin.getObject(
            GetObjectArgs.builder().bucket(Endpoints.ARTIFACT_BUCKET).object(key).build())) {
      bytes = in.readAllBytes();
    }
    bytes[bytes.length / 2] ^= 0x5a;
    admin.putObject(
        PutObjectArgs.builder().bucket(Endpoints.ARTIFACT_BUCKET).object(key).stream(
                new ByteArrayInputStream(bytes), (long) bytes.length, -1L)
            .build());
    admin.close();
  }

  /** The job's results by device. */
  private static Map<String, JsonNode> results(GraphqlClient api, String jobId) {
    Map<String, JsonNode> results = new HashMap<>();
    for (JsonNode item :
        api.execute(
                """
                query R($id: ID!) {
                  firmwareOTAJob(id: $id) {
                    resultPage(size: 100) {
                      items {
                        deviceId state attempt errorCode transport bytesSent bytesReceived
                        artifactKind
                      }
                    }
                  }
                }""",
                Map.of("id", jobId))
            .path("firmwareOTAJob")
            .path("resultPage")
            .path("items")) {
      results.put(item.path("deviceId").asText(), item);
    }
    return results;
  }
}
