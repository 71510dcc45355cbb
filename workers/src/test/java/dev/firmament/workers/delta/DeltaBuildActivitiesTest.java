package dev.firmament.workers.delta;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.ORGANIZATIONS;
import static dev.firmament.sql.generated.Tables.PRODUCTS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.artifact.S3ArtifactStore;
import dev.firmament.artifact.StoredArtifact;
import dev.firmament.delta.DeltaApplier;
import dev.firmament.delta.DiffOptions;
import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.io.SeekableSource;
import dev.firmament.devstack.EmbeddedPostgres;
import dev.firmament.devstack.EmbeddedS3;
import dev.firmament.manifest.Manifest;
import dev.firmament.manifest.ManifestVerifier;
import dev.firmament.manifest.Sha256;
import dev.firmament.manifest.SigningKeys;
import dev.firmament.orchestrator.delta.DeltaBuildResult;
import dev.firmament.orchestrator.delta.DeltaBuildStatus;
import dev.firmament.orchestrator.delta.DeltaFailures;
import dev.firmament.orchestrator.delta.DeltaStatus;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.temporal.failure.ApplicationFailure;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Random;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The delta pipeline's activities on a real PostgreSQL (migrated by the project's scripts) and a
 * real S3 endpoint, with the repository's {@code pyb-movehub} pair.
 */
class DeltaBuildActivitiesTest {
  private static final String BUCKET = "firmament-delta-test";

  @TempDir static Path dataDir;
  private static EmbeddedPostgres postgres;
  private static EmbeddedS3 s3;
  private static DSLContext dsl;
  private static S3ArtifactStore store;
  private static MinioClient minio;
  private static byte[] oldImage;
  private static byte[] newImage;

  private DeltaBuildActivitiesImpl activities;
  private UUID org;
  private UUID product;

  @BeforeAll
  static void start() throws Exception {
    postgres = EmbeddedPostgres.start(dataDir.resolve("pg"), 0);
    s3 = EmbeddedS3.start(dataDir.resolve("s3"), 0);
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(postgres.jdbcUrl());
    ds.setUser(postgres.username());
    ds.setPassword(postgres.password());
    Flyway.configure().dataSource(ds).load().migrate();
    dsl = DSL.using(ds, SQLDialect.POSTGRES);
    store = S3ArtifactStore.connect(s3.endpoint(), s3.accessKey(), s3.secretKey(), BUCKET);
    minio =
        MinioClient.builder()
            .endpoint(s3.endpoint())
            .region("us-east-1")
            .credentials(s3.accessKey(), s3.secretKey())
            .build();
    Path samples = samplesDir();
    oldImage = Files.readAllBytes(samples.resolve("pyb-movehub.old"));
    newImage = Files.readAllBytes(samples.resolve("pyb-movehub.new"));
  }

  @AfterAll
  static void stop() {
    if (s3 != null) {
      s3.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void seed() {
    activities = new DeltaBuildActivitiesImpl(new DeltaRecords(dsl), store, 3, DiffOptions.DEFAULT);
    org = UUID.randomUUID();
    product = UUID.randomUUID();
    dsl.insertInto(ORGANIZATIONS)
        .set(ORGANIZATIONS.ID, org)
        .set(ORGANIZATIONS.SLUG, "org-" + org)
        .set(ORGANIZATIONS.NAME, "Org")
        .execute();
    dsl.insertInto(PRODUCTS)
        .set(PRODUCTS.ID, product)
        .set(PRODUCTS.ORGANIZATION_ID, org)
        .set(PRODUCTS.SLUG, "movehub")
        .set(PRODUCTS.NAME, "Move Hub")
        .execute();
  }

  @Test
  void publishedDeltaReappliesToTheTargetHash() throws Exception {
    UUID from = firmware("1.0.0", oldImage, 1);
    UUID to = firmware("1.1.0", newImage, 2);

    DeltaBuildResult result = activities.buildDelta(from.toString(), to.toString());

    assertThat(result.status()).as(result.reason()).isEqualTo(DeltaStatus.PUBLISHED);
    assertThat(result.fromVersion()).isEqualTo("1.0.0");
    assertThat(result.sizeBytes()).isPositive().isLessThan(newImage.length / 4);
    byte[] patch = store.read("delta/" + result.sha256());
    assertThat(patch).hasSize((int) result.sizeBytes());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DeltaApplier.apply(SeekableSource.of(oldImage), SeekableSource.of(patch), out);
    assertThat(Sha256.hex(out.toByteArray())).isEqualTo(Sha256.hex(newImage));
    var row =
        dsl.selectFrom(FIRMWARE_DELTAS)
            .where(FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(to))
            .and(FIRMWARE_DELTAS.VARIANT.eq("BUILD"))
            .fetchSingle();
    assertThat(row.getStatus()).isEqualTo("PUBLISHED");
    assertThat(row.getStorageKey()).isEqualTo("delta/" + result.sha256());
    assertThat(row.getOrganizationId()).isEqualTo(org);
    // What a device's applier must decode, as the patch's header says: its branch filter, and
    // ABS32 when the patch carries a table (this firmware's pointer tables move: it does).
    assertThat(row.getCodec()).isEqualTo("ZSTD");
    assertThat(patch[8]).isEqualTo((byte) 1);
    boolean abs32 = (patch[11] & NativeFormat.ABS32_FLAG) != 0;
    assertThat(abs32).isTrue();
    String filter = dev.firmament.delta.internal.BranchFilter.byId(patch[9]).name();
    assertThat(row.getBranchFilter()).isEqualTo(filter + "+ABS32");
    // Beside it, the same script coded with zstd without the table, for devices without ABS32.
    var plain =
        dsl.selectFrom(FIRMWARE_DELTAS)
            .where(FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(to))
            .and(FIRMWARE_DELTAS.VARIANT.eq("ZSTD_COMPANION"))
            .fetchSingle();
    assertThat(plain.getBranchFilter()).isEqualTo(filter);
    assertThat(plain.getCodec()).isEqualTo("ZSTD");
    assertThat(plain.getSizeBytes()).isGreaterThan(row.getSizeBytes());
    byte[] plainPatch = store.read(plain.getStorageKey());
    assertThat(plainPatch[11] & NativeFormat.ABS32_FLAG).isZero();
    ByteArrayOutputStream plainOut = new ByteArrayOutputStream();
    DeltaApplier.apply(SeekableSource.of(oldImage), SeekableSource.of(plainPatch), plainOut);
    assertThat(plainOut.toByteArray()).isEqualTo(newImage);

    // Built with LZMA streams where smaller (they are, on this firmware), the row says LZMA.
    UUID next = firmware("1.2.0", java.util.Arrays.copyOf(newImage, newImage.length + 64), 3);
    DeltaBuildResult lzma =
        new DeltaBuildActivitiesImpl(
                new DeltaRecords(dsl),
                store,
                3,
                DiffOptions.DEFAULT.withCodec(DiffOptions.Codec.SMALLEST))
            .buildDelta(to.toString(), next.toString());
    assertThat(lzma.status()).as(lzma.reason()).isEqualTo(DeltaStatus.PUBLISHED);
    byte[] lzmaPatch = store.read("delta/" + lzma.sha256());
    assertThat(lzmaPatch[8]).isEqualTo((byte) 2);
    var build =
        dsl.selectFrom(FIRMWARE_DELTAS)
            .where(FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(next))
            .and(FIRMWARE_DELTAS.VARIANT.eq("BUILD"))
            .fetchSingle();
    assertThat(build.getCodec()).isEqualTo("LZMA");
    assertThat(build.getSha256()).isEqualTo(lzma.sha256());
    // Beside it, the same patch coded with zstd for devices without LZMA: published, same filter,
    // larger, and it rebuilds the target too.
    var companion =
        dsl.selectFrom(FIRMWARE_DELTAS)
            .where(FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(next))
            .and(FIRMWARE_DELTAS.VARIANT.eq("ZSTD_COMPANION"))
            .fetchSingle();
    assertThat(companion.getStatus()).isEqualTo("PUBLISHED");
    assertThat(companion.getCodec()).isEqualTo("ZSTD");
    assertThat(companion.getBranchFilter())
        .isEqualTo(build.getBranchFilter().replace("+ABS32", ""));
    assertThat(companion.getFromFirmwareId()).isEqualTo(to);
    assertThat(companion.getSizeBytes()).isGreaterThan(build.getSizeBytes());
    byte[] zstdPatch = store.read(companion.getStorageKey());
    assertThat(zstdPatch).hasSize(companion.getSizeBytes().intValue());
    assertThat(zstdPatch[8]).isEqualTo((byte) 1);
    assertThat(zstdPatch[9]).isEqualTo(lzmaPatch[9]);
    ByteArrayOutputStream rebuilt = new ByteArrayOutputStream();
    DeltaApplier.apply(SeekableSource.of(newImage), SeekableSource.of(zstdPatch), rebuilt);
    assertThat(rebuilt.toByteArray())
        .isEqualTo(java.util.Arrays.copyOf(newImage, newImage.length + 64));
    // Building the pair again answers from the build row and adds nothing.
    assertThat(
            new DeltaBuildActivitiesImpl(
                    new DeltaRecords(dsl),
                    store,
                    3,
                    DiffOptions.DEFAULT.withCodec(DiffOptions.Codec.SMALLEST))
                .buildDelta(to.toString(), next.toString())
                .sha256())
        .isEqualTo(lzma.sha256());
    assertThat(dsl.fetchCount(FIRMWARE_DELTAS, FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(next)))
        .isEqualTo(2);
    // The zstd build of the first pair has one companion, the one without its ABS32 table.
    assertThat(dsl.fetchCount(FIRMWARE_DELTAS, FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(to))).isEqualTo(2);
  }

  @Test
  void aCompanionIsRecordedOnlyBesideItsOwnPublishedBuild() {
    UUID from = firmware("1.0.0", oldImage, 1);
    UUID to = firmware("1.1.0", newImage, 2);
    DeltaRecords records = new DeltaRecords(dsl);
    DeltaRecords.Build fromBuild = records.build(from).orElseThrow();
    DeltaRecords.Build toBuild = records.build(to).orElseThrow();
    DeltaBuildResult published = publishedNative(from, to, "a".repeat(64));
    DeltaRecords.StoredCompanion companion = new DeltaRecords.StoredCompanion("b".repeat(64), 120);
    // No build row yet: nothing is written.
    assertThat(records.recordCompanion(fromBuild, toBuild, published, "NONE", companion)).isFalse();
    records.record(fromBuild, toBuild, published, "NONE", "LZMA");
    // Another patch than the published one (a concurrent build that lost): nothing is written.
    DeltaBuildResult other = publishedNative(from, to, "c".repeat(64));
    assertThat(records.recordCompanion(fromBuild, toBuild, other, "NONE", companion)).isFalse();
    assertThat(dsl.fetchCount(FIRMWARE_DELTAS, FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(to))).isEqualTo(1);
    // Beside its own build: written once, however often it is recorded.
    assertThat(records.recordCompanion(fromBuild, toBuild, published, "NONE", companion)).isTrue();
    assertThat(records.recordCompanion(fromBuild, toBuild, published, "NONE", companion)).isTrue();
    assertThat(dsl.fetchCount(FIRMWARE_DELTAS, FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(to))).isEqualTo(2);
    // The build's own row is still what the pair's lookup answers.
    assertThat(records.existing(from, to, "NATIVE").orElseThrow().sha256())
        .isEqualTo("a".repeat(64));
  }

  /**
   * The invariant behind publishing, over many pairs: every delta that reaches PUBLISHED, once
   * applied to its source image, yields exactly its target image.
   */
  @Test
  void everyPublishedDeltaMatchesItsTargetHash() throws Exception {
    Random random = new Random(42);
    UUID base = firmware("2.0.0", oldImage, 1);
    for (int i = 0; i < 4; i++) {
      byte[] target = newImage.clone();
      for (int edit = 0; edit < 1 + i * 40; edit++) {
        target[random.nextInt(target.length)] = (byte) random.nextInt(256);
      }
      UUID to = firmware("2.1." + i, target, 2 + i);
      activities.buildDelta(base.toString(), to.toString());
    }
    var published =
        dsl.selectFrom(FIRMWARE_DELTAS)
            .where(FIRMWARE_DELTAS.PRODUCT_ID.eq(product))
            .and(FIRMWARE_DELTAS.STATUS.eq("PUBLISHED"))
            .fetch();
    // Four builds, each with its companion when it carries an ABS32 table: every one rebuilds.
    assertThat(published.stream().filter(d -> d.getVariant().equals("BUILD"))).hasSize(4);
    assertThat(published)
        .hasSize(
            4
                + (int)
                    published.stream().filter(d -> d.getBranchFilter().endsWith("+ABS32")).count());
    for (var delta : published) {
      var from =
          dsl.selectFrom(PRODUCT_FIRMWARE)
              .where(PRODUCT_FIRMWARE.ID.eq(delta.getFromFirmwareId()))
              .fetchOne();
      var to =
          dsl.selectFrom(PRODUCT_FIRMWARE)
              .where(PRODUCT_FIRMWARE.ID.eq(delta.getToFirmwareId()))
              .fetchOne();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      DeltaApplier.apply(
          SeekableSource.of(store.read(from.getStorageKey())),
          SeekableSource.of(store.read(delta.getStorageKey())),
          out);
      assertThat(Sha256.hex(out.toByteArray())).isEqualTo(to.getSha256());
      assertThat(out.size()).isEqualTo(to.getSizeBytes().intValue());
    }
  }

  @Test
  void aPatchThatDoesNotRebuildTheTargetIsNeverPublished() throws Exception {
    byte[] patch =
        dev.firmament.delta.DeltaDiffer.diff(oldImage, newImage, DiffOptions.DEFAULT).patch();
    var right =
        new DeltaRecords.Build(
            UUID.randomUUID(), org, product, "x", Sha256.hex(newImage), newImage.length, "full/x");
    var wrong =
        new DeltaRecords.Build(
            UUID.randomUUID(), org, product, "x", Sha256.hex(oldImage), newImage.length, "full/x");

    assertThat(DeltaBuildActivitiesImpl.reapply(oldImage, patch, right)).isNull();
    assertThat(DeltaBuildActivitiesImpl.reapply(oldImage, patch, wrong)).contains("not the target");
    byte[] damaged = patch.clone();
    damaged[damaged.length / 2] ^= 0x55;
    assertThat(DeltaBuildActivitiesImpl.reapply(oldImage, damaged, right)).isNotNull();
  }

  @Test
  void rebuildingAPairAnswersFromItsRow() {
    UUID from = firmware("1.0.0", oldImage, 1);
    UUID to = firmware("1.1.0", newImage, 2);

    DeltaBuildResult first = activities.buildDelta(from.toString(), to.toString());
    DeltaBuildResult again = activities.buildDelta(from.toString(), to.toString());

    assertThat(again).isEqualTo(first);
    // The build and its companion (the patch carries an ABS32 table), nothing more.
    assertThat(dsl.fetchCount(FIRMWARE_DELTAS, FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(to))).isEqualTo(2);
  }

  @Test
  void aCorruptedStoredSourceImageIsRefused() throws Exception {
    byte[] source = oldImage.clone();
    source[100] ^= 1;
    UUID from = firmware("0.9.0", source, 1);
    UUID to = firmware("1.1.0", newImage, 2);
    // Replace the stored object behind the store's back, as a failing disk or a bad copy would.
    byte[] garbage = oldImage.clone();
    garbage[200] ^= 1;
    minio.putObject(
        PutObjectArgs.builder().bucket(BUCKET).object("full/" + Sha256.hex(source)).stream(
                new ByteArrayInputStream(garbage), (long) garbage.length, -1L)
            .build());

    DeltaBuildResult result = activities.buildDelta(from.toString(), to.toString());

    assertThat(result.status()).isEqualTo(DeltaStatus.FAILED);
    assertThat(result.reason()).contains("0.9.0").contains("does not match its SHA-256");
    assertThat(
            dsl.fetchCount(
                FIRMWARE_DELTAS,
                FIRMWARE_DELTAS.TO_FIRMWARE_ID.eq(to).and(FIRMWARE_DELTAS.STATUS.eq("PUBLISHED"))))
        .isZero();
  }

  @Test
  void sourcesAreTheRecentBuildsAndTheInstalledVersions() {
    UUID v1 = firmware("1.0.0", "one".getBytes(), 1);
    UUID v2 = firmware("2.0.0", "two".getBytes(), 2);
    UUID v3 = firmware("3.0.0", "three".getBytes(), 3);
    UUID v4 = firmware("4.0.0", "four".getBytes(), 4);
    device("dev-a-" + product, "1.0.0");
    device("dev-b-" + product, "1.0.0");
    device("dev-c-" + product, "0.1.0-unknown");
    device("dev-d-" + product, "4.0.0");
    var oneRecent =
        new DeltaBuildActivitiesImpl(new DeltaRecords(dsl), store, 1, DiffOptions.DEFAULT);

    assertThat(oneRecent.sourcesFor(v4.toString())).containsExactly(v3.toString(), v1.toString());
    assertThat(activities.sourcesFor(v4.toString()))
        .containsExactly(v3.toString(), v2.toString(), v1.toString());
  }

  @Test
  void badInputFailsWithoutRetryAndStatusIsRecorded() {
    UUID v1 = firmware("1.0.0", "one".getBytes(), 1);
    String missing = UUID.randomUUID().toString();

    assertThatThrownBy(() -> activities.sourcesFor(missing))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> assertThat(f.getType()).isEqualTo(DeltaFailures.FIRMWARE_NOT_FOUND));
    assertThatThrownBy(() -> activities.buildDelta(v1.toString(), v1.toString()))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(DeltaFailures.INVALID_PAIR);
              assertThat(f.isNonRetryable()).isTrue();
            });

    activities.recordBuildStatus(v1.toString(), DeltaBuildStatus.DONE);
    assertThat(
            dsl.select(PRODUCT_FIRMWARE.DELTA_BUILD_STATUS)
                .from(PRODUCT_FIRMWARE)
                .where(PRODUCT_FIRMWARE.ID.eq(v1))
                .fetchOne(PRODUCT_FIRMWARE.DELTA_BUILD_STATUS))
        .isEqualTo("DONE");
  }

  @Test
  void theBuildsFirstStepSignsAnAuthorisedUploadOnceAndNeverAnUnattributedRow() throws Exception {
    SigningKeys keys = SigningKeys.generate();
    DeltaBuildActivitiesImpl signing =
        new DeltaBuildActivitiesImpl(
            new DeltaRecords(dsl), store, 3, DiffOptions.DEFAULT, ReleaseSigning.with(keys));
    UUID uploaded = firmware("2.0.0", newImage, 1);
    dsl.update(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.UPLOADED_BY, "ci@example.test")
        .where(PRODUCT_FIRMWARE.ID.eq(uploaded))
        .execute();
    UUID unattributed = firmware("2.0.1", oldImage, 2);

    signing.sourcesFor(uploaded.toString());
    signing.sourcesFor(unattributed.toString());

    var row = dsl.selectFrom(PRODUCT_FIRMWARE).where(PRODUCT_FIRMWARE.ID.eq(uploaded)).fetchOne();
    Manifest manifest =
        ManifestVerifier.of(keys.publicKeyBase64())
            .verifyImage(
                row.getManifest(), row.getSignature(), Sha256.hex(newImage), newImage.length);
    assertThat(manifest.version()).isEqualTo("2.0.0");
    assertThat(manifest.productId()).isEqualTo(product);
    var other =
        dsl.selectFrom(PRODUCT_FIRMWARE).where(PRODUCT_FIRMWARE.ID.eq(unattributed)).fetchOne();
    assertThat(other.getSignature()).isNull();
    assertThat(other.getManifest()).isNull();

    // A retried first step keeps the signature it made.
    signing.sourcesFor(uploaded.toString());
    assertThat(
            dsl.select(PRODUCT_FIRMWARE.SIGNATURE)
                .from(PRODUCT_FIRMWARE)
                .where(PRODUCT_FIRMWARE.ID.eq(uploaded))
                .fetchOne(PRODUCT_FIRMWARE.SIGNATURE))
        .isEqualTo(row.getSignature());
    // Without a key nothing is signed.
    UUID unsignedBuild = firmware("2.0.2", newImage, 3);
    dsl.update(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.UPLOADED_BY, "ci@example.test")
        .where(PRODUCT_FIRMWARE.ID.eq(unsignedBuild))
        .execute();
    activities.sourcesFor(unsignedBuild.toString());
    assertThat(
            dsl.select(PRODUCT_FIRMWARE.SIGNATURE)
                .from(PRODUCT_FIRMWARE)
                .where(PRODUCT_FIRMWARE.ID.eq(unsignedBuild))
                .fetchOne(PRODUCT_FIRMWARE.SIGNATURE))
        .isNull();
  }

  /** A published 100-byte native patch from {@code from} (1.0.0) to {@code to}. */
  private static DeltaBuildResult publishedNative(UUID from, UUID to, String sha256) {
    return new DeltaBuildResult(
        from.toString(),
        to.toString(),
        "1.0.0",
        DeltaStatus.PUBLISHED,
        "NATIVE",
        100,
        sha256,
        "r",
        1);
  }

  private UUID firmware(String version, byte[] image, int minutes) {
    StoredArtifact stored = store.put("full", image);
    UUID id = UUID.randomUUID();
    dsl.insertInto(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.ID, id)
        .set(PRODUCT_FIRMWARE.ORGANIZATION_ID, org)
        .set(PRODUCT_FIRMWARE.PRODUCT_ID, product)
        .set(PRODUCT_FIRMWARE.VERSION, version)
        .set(PRODUCT_FIRMWARE.SHA256, stored.sha256())
        .set(PRODUCT_FIRMWARE.SIZE_BYTES, stored.size())
        .set(PRODUCT_FIRMWARE.STORAGE_KEY, stored.storageKey())
        .set(PRODUCT_FIRMWARE.UPLOADED_AT, OffsetDateTime.now().minusHours(1).plusMinutes(minutes))
        .execute();
    return id;
  }

  private void device(String id, String version) {
    dsl.insertInto(DEVICES)
        .set(DEVICES.ID, id.substring(0, Math.min(64, id.length())))
        .set(DEVICES.ORGANIZATION_ID, org)
        .set(DEVICES.PRODUCT_ID, product)
        .set(DEVICES.NAME, id)
        .set(DEVICES.FIRMWARE_VERSION, version)
        .execute();
  }

  private static Path samplesDir() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("firmware-samples");
      if (Files.isRegularFile(candidate.resolve("pyb-movehub.old"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("firmware-samples not found");
  }
}
