package dev.firmament.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.CertificateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class DevStackTest {

  private static final Logger log = LoggerFactory.getLogger(DevStackTest.class);

  @TempDir Path dir;

  @Test
  void everyServiceAnswersOnItsEndpointAndPortsAreReleasedOnClose() throws Exception {
    List<Integer> ports;
    try (DevStack stack = DevStack.start(DevStackOptions.onFreePorts(dir.resolve("data")))) {
      logFootprint(stack);
      Endpoints endpoints = stack.endpoints();

      // PostgreSQL 17, database firmament.
      try (Connection db =
              DriverManager.getConnection(
                  endpoints.jdbcUrl(), endpoints.dbUser(), endpoints.dbPassword());
          Statement st = db.createStatement();
          ResultSet rs = st.executeQuery("select version(), current_database()")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).startsWith("PostgreSQL 17");
        assertThat(rs.getString(2)).isEqualTo("firmament");
      }

      // Temporal gRPC API.
      WorkflowServiceStubs temporal =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder()
                  .setTarget(endpoints.temporalTarget())
                  .build());
      try {
        GetSystemInfoResponse info =
            temporal
                .blockingStub()
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
        assertThat(info.hasCapabilities()).isTrue();
        assertThat(
                temporal
                    .blockingStub()
                    .describeNamespace(
                        DescribeNamespaceRequest.newBuilder()
                            .setNamespace(endpoints.temporalNamespace())
                            .build())
                    .getNamespaceInfo()
                    .getName())
            .isEqualTo("default");
      } finally {
        temporal.shutdownNow();
        temporal.awaitTermination(5, TimeUnit.SECONDS);
      }

      // S3 through the minio client: the artifact bucket exists, objects keep user metadata.
      try (S3 s3 = minio(endpoints)) {
        assertThat(
                s3.client()
                    .bucketExists(
                        BucketExistsArgs.builder().bucket(Endpoints.ARTIFACT_BUCKET).build()))
            .isTrue();
        s3.client().makeBucket(MakeBucketArgs.builder().bucket("scratch").build());
        byte[] body = "firmware image bytes".getBytes(StandardCharsets.UTF_8);
        s3.client()
            .putObject(
                PutObjectArgs.builder()
                    .bucket("scratch")
                    .object("fw/app-1.2.3.bin")
                    .data(body, body.length)
                    .contentType("application/octet-stream")
                    .userMetadata(Map.of("sha256", "abc123", "build", "42"))
                    .build());
        StatObjectResponse stat =
            s3.client()
                .statObject(
                    StatObjectArgs.builder().bucket("scratch").object("fw/app-1.2.3.bin").build());
        assertThat(stat.size()).isEqualTo(body.length);
        assertThat(stat.userMetadata().getFirst("sha256")).isEqualTo("abc123");
        assertThat(stat.userMetadata().getFirst("build")).isEqualTo("42");
        try (GetObjectResponse in =
            s3.client()
                .getObject(
                    GetObjectArgs.builder().bucket("scratch").object("fw/app-1.2.3.bin").build())) {
          assertThat(in.readAllBytes()).isEqualTo(body);
        }
      }

      // S3 over TLS, for device links: with the stack's certificate, and only with it.
      assertS3AnswersOverTlsOnlyWithItsCertificate(endpoints);

      // MQTT 5 publish/subscribe.
      assertMqttRoundtrip(stack.mqtt().orElseThrow());

      // Spring-style properties.
      assertThat(stack.toProperties())
          .containsEntry("spring.datasource.url", endpoints.jdbcUrl())
          .containsEntry("spring.datasource.username", "postgres")
          .containsEntry("spring.datasource.password", "postgres")
          .containsEntry("firmament.temporal.target", endpoints.temporalTarget())
          .containsEntry("firmament.temporal.namespace", "default")
          .containsEntry("firmament.s3.endpoint", endpoints.s3Endpoint())
          .containsEntry("firmament.s3.public-endpoint", endpoints.s3PublicEndpoint())
          .containsEntry("firmament.s3.access-key", EmbeddedS3.DEFAULT_ACCESS_KEY)
          .containsEntry("firmament.s3.secret-key", EmbeddedS3.DEFAULT_SECRET_KEY)
          .containsEntry("firmament.s3.bucket", "firmament-artifacts")
          .containsEntry("firmament.mqtt.url", endpoints.mqttUrl())
          .hasSize(11);
      assertThat(endpoints.s3Endpoint()).startsWith("http://127.0.0.1:");
      assertThat(endpoints.s3PublicEndpoint()).startsWith("https://127.0.0.1:");
      assertThat(endpoints.s3Certificate())
          .isEqualTo(DevStack.tlsDir(stack.dataDir()).resolve("tls-ca.pem"));
      assertThat(endpoints.toString()).doesNotContain(EmbeddedS3.DEFAULT_SECRET_KEY);

      ports =
          List.of(
              stack.postgres().orElseThrow().port(),
              stack.temporal().orElseThrow().port(),
              stack.s3().orElseThrow().port(),
              stack.s3().orElseThrow().securePort(),
              stack.mqtt().orElseThrow().port());
    }
    assertThat(ports).allSatisfy(port -> assertThat(FreePorts.isFree(port)).isTrue());
  }

  @Test
  void dataSurvivesARestartAndFreshWipesIt() throws Exception {
    // The services that keep data here: PostgreSQL and S3 (with its TLS certificate).
    DevStackOptions options =
        DevStackOptions.onFreePorts(dir.resolve("data"))
            .withServices(DevStack.Service.POSTGRES, DevStack.Service.S3);
    byte[] body = "persisted".getBytes(StandardCharsets.UTF_8);
    Path tls = DevStack.tlsDir(options.dataDir());
    Map<Path, FileState> certificate;
    try (DevStack stack = DevStack.start(options)) {
      certificate = fileStates(tls);
      sql(
          stack,
          "create table rollout (id text primary key)",
          "insert into rollout values ('r-1')");
      try (S3 s3 = minio(stack.endpoints())) {
        s3.client()
            .putObject(
                PutObjectArgs.builder()
                    .bucket(Endpoints.ARTIFACT_BUCKET)
                    .object("kept.bin")
                    .data(body, body.length)
                    .userMetadata(Map.of("kind", "artifact"))
                    .build());
      }
    }

    try (DevStack again = DevStack.start(options)) {
      // The certificate is the one made on the first start, untouched: whatever trusts it still
      // does, and no keytool ran.
      assertThat(fileStates(tls)).isEqualTo(certificate);
      assertS3AnswersOverTlsOnlyWithItsCertificate(again.endpoints());
      assertThat(queryRollouts(again)).containsExactly("r-1");
      try (S3 s3 = minio(again.endpoints());
          GetObjectResponse in =
              s3.client()
                  .getObject(
                      GetObjectArgs.builder()
                          .bucket(Endpoints.ARTIFACT_BUCKET)
                          .object("kept.bin")
                          .build())) {
        assertThat(in.readAllBytes()).isEqualTo(body);
        assertThat(
                s3.client()
                    .statObject(
                        StatObjectArgs.builder()
                            .bucket(Endpoints.ARTIFACT_BUCKET)
                            .object("kept.bin")
                            .build())
                    .userMetadata()
                    .getFirst("kind"))
            .isEqualTo("artifact");
      }
    }

    try (DevStack fresh = DevStack.start(options.withFresh(true))) {
      // Wiped with the rest of the data and made anew.
      assertThat(fileStates(tls).get(tls.resolve("tls-ca.pem")).bytes())
          .isNotEqualTo(certificate.get(tls.resolve("tls-ca.pem")).bytes());
      assertS3AnswersOverTlsOnlyWithItsCertificate(fresh.endpoints());
      assertThatThrownBy(() -> queryRollouts(fresh))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("rollout");
      try (S3 s3 = minio(fresh.endpoints())) {
        assertThat(
                s3.client()
                    .bucketExists(
                        BucketExistsArgs.builder().bucket(Endpoints.ARTIFACT_BUCKET).build()))
            .isTrue();
        assertThatThrownBy(
                () ->
                    s3.client()
                        .statObject(
                            StatObjectArgs.builder()
                                .bucket(Endpoints.ARTIFACT_BUCKET)
                                .object("kept.bin")
                                .build()))
            .hasMessageContaining("does not exist");
      }
    }
  }

  @Test
  void aServiceRestartedForAnOutageComesBackOnItsPortWithItsData() throws Exception {
    DevStackOptions options =
        DevStackOptions.onFreePorts(dir.resolve("outage"))
            .withServices(DevStack.Service.POSTGRES, DevStack.Service.MQTT);
    try (DevStack stack = DevStack.start(options)) {
      sql(
          stack,
          "create table rollout (id text primary key)",
          "insert into rollout values ('r-1')");
      int postgresPort = stack.postgres().orElseThrow().port();
      int mqttPort = stack.mqtt().orElseThrow().port();

      stack.restart(DevStack.Service.POSTGRES, Duration.ofMillis(200));
      stack.restart(DevStack.Service.MQTT, Duration.ZERO);

      assertThat(stack.postgres().orElseThrow().port()).isEqualTo(postgresPort);
      assertThat(queryRollouts(stack)).containsExactly("r-1");
      assertThat(stack.mqtt().orElseThrow().port()).isEqualTo(mqttPort);
      assertMqttRoundtrip(stack.mqtt().orElseThrow());
      assertThatThrownBy(() -> stack.restart(DevStack.Service.S3, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not running");
      assertThatThrownBy(() -> stack.restart(DevStack.Service.TEMPORAL, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void s3RestartedForAnOutageComesBackOnBothItsPorts() throws Exception {
    DevStackOptions options =
        DevStackOptions.onFreePorts(dir.resolve("s3-outage")).withServices(DevStack.Service.S3);
    try (DevStack stack = DevStack.start(options)) {
      EmbeddedS3 before = stack.s3().orElseThrow();
      int port = before.port();
      int securePort = before.securePort();

      stack.restart(DevStack.Service.S3, Duration.ZERO);

      EmbeddedS3 after = stack.s3().orElseThrow();
      assertThat(after.port()).isEqualTo(port);
      assertThat(after.securePort()).isEqualTo(securePort);
      // The endpoints handed out at start still hold.
      assertThat(stack.endpoints().s3PublicEndpoint()).isEqualTo(after.secureEndpoint());
      assertS3AnswersOverTlsOnlyWithItsCertificate(stack.endpoints());
    }
  }

  @Test
  void onlyTheSelectedServicesStart() {
    DevStackOptions options =
        DevStackOptions.onFreePorts(dir).withServices(DevStack.Service.TEMPORAL);
    try (DevStack stack = DevStack.start(options)) {
      assertThat(stack.temporal()).isPresent();
      assertThat(stack.postgres()).isEmpty();
      assertThat(stack.s3()).isEmpty();
      assertThat(stack.mqtt()).isEmpty();
      assertThat(stack.toProperties())
          .containsOnlyKeys("firmament.temporal.target", "firmament.temporal.namespace");
    }
  }

  @Test
  void freshRefusesToWipeADirectoryTheStackDidNotCreate() throws IOException {
    Path foreign = Files.createDirectories(dir.resolve("home"));
    Files.writeString(foreign.resolve("notes.txt"), "mine");
    DevStackOptions options =
        DevStackOptions.onFreePorts(foreign)
            .withFresh(true)
            .withServices(DevStack.Service.TEMPORAL);
    assertThatThrownBy(() -> DevStack.start(options))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refusing to wipe");
    assertThat(foreign.resolve("notes.txt")).hasContent("mine");
  }

  @Test
  void aServiceThatCannotStartStopsTheOthers() {
    try (EmbeddedTemporal squatter = EmbeddedTemporal.start(0)) {
      DevStackOptions options =
          DevStackOptions.onFreePorts(dir)
              .withServices(DevStack.Service.TEMPORAL, DevStack.Service.S3)
              .withTemporalPort(squatter.port());
      assertThatThrownBy(() -> DevStack.start(options))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Temporal");
    }
  }

  /**
   * A client of the stack's plain-HTTP S3 endpoint. Its own OkHttp client: minio's default reads
   * and parses every certificate of SSL_CERT_FILE and SSL_CERT_DIR each time, seconds per client.
   */
  private static S3 minio(Endpoints endpoints) {
    return new S3(
        MinioClient.builder()
            .endpoint(endpoints.s3Endpoint())
            .credentials(endpoints.s3AccessKey(), endpoints.s3SecretKey())
            .region(EmbeddedS3.REGION)
            .httpClient(new OkHttpClient(), true)
            .build());
  }

  /**
   * S3's TLS listener answers a client that trusts the stack's certificate (the PEM file the
   * endpoints name), and one that trusts only the JDK's authorities refuses its certificate.
   */
  private static void assertS3AnswersOverTlsOnlyWithItsCertificate(Endpoints endpoints)
      throws Exception {
    Path certificate = endpoints.s3Certificate();
    OkHttpClient trusting =
        new OkHttpClient.Builder()
            .sslSocketFactory(
                SelfSignedTls.clientContext(certificate).getSocketFactory(),
                SelfSignedTls.trusting(certificate))
            .build();
    try (S3 overTls =
        new S3(
            MinioClient.builder()
                .endpoint(endpoints.s3PublicEndpoint())
                .credentials(endpoints.s3AccessKey(), endpoints.s3SecretKey())
                .region(EmbeddedS3.REGION)
                .httpClient(trusting, true)
                .build())) {
      assertThat(
              overTls
                  .client()
                  .bucketExists(
                      BucketExistsArgs.builder().bucket(Endpoints.ARTIFACT_BUCKET).build()))
          .isTrue();
    }
    try (S3 untrusting =
        new S3(
            MinioClient.builder()
                .endpoint(endpoints.s3PublicEndpoint())
                .credentials(endpoints.s3AccessKey(), endpoints.s3SecretKey())
                .region(EmbeddedS3.REGION)
                .build())) {
      assertThatThrownBy(
              () ->
                  untrusting
                      .client()
                      .bucketExists(
                          BucketExistsArgs.builder().bucket(Endpoints.ARTIFACT_BUCKET).build()))
          .satisfies(
              e ->
                  assertThat(causes(e))
                      .as("the causes of " + e)
                      .hasAtLeastOneElementOfType(CertificateException.class));
    }
  }

  private static List<Throwable> causes(Throwable e) {
    List<Throwable> chain = new java.util.ArrayList<>();
    for (Throwable at = e; at != null && !chain.contains(at); at = at.getCause()) {
      chain.add(at);
    }
    return chain;
  }

  /** A file's bytes (base64) and modification time. */
  private record FileState(String bytes, FileTime modified) {}

  /** The files of {@code dir}, each with its bytes and modification time. */
  private static Map<Path, FileState> fileStates(Path dir) throws IOException {
    Map<Path, FileState> states = new java.util.TreeMap<>();
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        states.put(
            file,
            new FileState(
                java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(file)),
                Files.getLastModifiedTime(file)));
      }
    }
    assertThat(states.keySet())
        .extracting(p -> p.getFileName().toString())
        .containsExactly("tls-ca.pem", "tls.p12");
    return states;
  }

  /** Closes the client without the InterruptedException of {@link MinioClient#close()}. */
  private record S3(MinioClient client) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      try {
        client.close();
      } catch (Exception e) {
        throw new IOException(e);
      }
    }
  }

  private static void sql(DevStack stack, String... statements) throws SQLException {
    Endpoints e = stack.endpoints();
    try (Connection db = DriverManager.getConnection(e.jdbcUrl(), e.dbUser(), e.dbPassword());
        Statement st = db.createStatement()) {
      for (String statement : statements) {
        st.execute(statement);
      }
    }
  }

  private static List<String> queryRollouts(DevStack stack) throws SQLException {
    Endpoints e = stack.endpoints();
    try (Connection db = DriverManager.getConnection(e.jdbcUrl(), e.dbUser(), e.dbPassword());
        Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("select id from rollout order by id")) {
      List<String> ids = new java.util.ArrayList<>();
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
      return ids;
    }
  }

  private static void assertMqttRoundtrip(EmbeddedMqttBroker broker) throws Exception {
    Mqtt5BlockingClient sub = client(broker);
    Mqtt5BlockingClient pub = client(broker);
    sub.connect();
    pub.connect();
    try (Mqtt5BlockingClient.Mqtt5Publishes publishes =
        sub.publishes(MqttGlobalPublishFilter.ALL)) {
      sub.subscribeWith().topicFilter("firmament/test").qos(MqttQos.AT_LEAST_ONCE).send();
      pub.publishWith()
          .topic("firmament/test")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload("hello".getBytes(StandardCharsets.UTF_8))
          .send();
      Optional<Mqtt5Publish> received = publishes.receive(10, TimeUnit.SECONDS);
      assertThat(received).isPresent();
      assertThat(received.get().getPayloadAsBytes())
          .isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
    } finally {
      pub.disconnect();
      sub.disconnect();
    }
  }

  private static Mqtt5BlockingClient client(EmbeddedMqttBroker broker) {
    return Mqtt5Client.builder()
        .identifier("t-" + UUID.randomUUID())
        .serverHost("127.0.0.1")
        .serverPort(broker.port())
        .buildBlocking();
  }

  /**
   * Logs what the running stack costs: JVM heap after GC, resident set of this JVM and of the
   * PostgreSQL processes, startup time.
   */
  private static void logFootprint(DevStack stack) {
    System.gc();
    long heapMb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
    long jvmRssKb = rssKb(ProcessHandle.current().pid());
    long postgresRssKb = postgresRssKb(stack);
    log.info(
        "footprint startup_ms={} heap_used_mb={} jvm_rss_mb={} postgres_rss_mb={}",
        stack.startupTime().toMillis(),
        heapMb,
        jvmRssKb >> 10,
        postgresRssKb >> 10);
  }

  /** pg_ctl detaches the postmaster, so it is found through its pid file, not as a child. */
  private static long postgresRssKb(DevStack stack) {
    try {
      long pid =
          Long.parseLong(
              Files.readAllLines(stack.dataDir().resolve("postgres/postmaster.pid")).getFirst());
      return rssKb(pid)
          + ProcessHandle.of(pid).stream()
              .flatMap(ProcessHandle::descendants)
              .mapToLong(p -> rssKb(p.pid()))
              .sum();
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long rssKb(long pid) {
    try {
      return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
          .filter(line -> line.startsWith("VmRSS:"))
          .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
          .findFirst()
          .orElse(0);
    } catch (IOException | RuntimeException e) {
      return 0; // not Linux, or the process is gone
    }
  }
}
