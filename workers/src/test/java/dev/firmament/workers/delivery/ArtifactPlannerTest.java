package dev.firmament.workers.delivery;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.FIRMWARE_DELTAS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.artifact.ArtifactNotFoundException;
import dev.firmament.artifact.ArtifactStore;
import dev.firmament.artifact.StoredArtifact;
import dev.firmament.delta.DeltaApplier;
import dev.firmament.delta.DeltaChain;
import dev.firmament.delta.DiffOptions;
import dev.firmament.delta.inplace.InPlaceApplier;
import dev.firmament.delta.io.SeekableSource;
import dev.firmament.manifest.Sha256;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.DeviceCapabilities;
import dev.firmament.protocol.SlotLayout;
import dev.firmament.workers.TestDatabase;
import dev.firmament.workers.delta.DeltaRecords;
import dev.firmament.workers.rollout.JobTargets.UpdateTarget;
import dev.firmament.workers.rollout.ResultTransitions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which artifact a device is offered, decided from the delta catalogue on a real PostgreSQL. */
class ArtifactPlannerTest {
  @TempDir static Path dataDir;
  private static TestDatabase database;
  private static DSLContext dsl;

  private final MemoryStore store = new MemoryStore();
  private ArtifactPlanner planner;
  private ResultTransitions results;
  private UUID org;
  private UUID product;
  private UUID job;
  private byte[] image;
  private UUID v09;
  private UUID v1;

  @BeforeAll
  static void start() {
    database = TestDatabase.start(dataDir);
    dsl = database.dsl();
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @BeforeEach
  void seed() {
    planner = new ArtifactPlanner(new ArtifactCache(store, 1 << 20), new DeltaCatalog(dsl), 256);
    results = new ResultTransitions(dsl);
    UUID[] tenant = database.organizationWithProduct();
    org = tenant[0];
    product = tenant[1];
    image = ("target image " + UUID.randomUUID()).repeat(40).getBytes(StandardCharsets.UTF_8);
    v1 = firmware("1.0.0", "one".getBytes(StandardCharsets.UTF_8), null);
    UUID v15 = firmware("1.5.0", "one and a half".getBytes(StandardCharsets.UTF_8), null);
    UUID v2 = firmware("2.0.0", image, "c2lnbmF0dXJl");
    dsl.update(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.MANIFEST, "{\"schema\":\"firmament-manifest-v1\"}")
        .where(PRODUCT_FIRMWARE.ID.eq(v2))
        .execute();
    delta(v1, v2, "NATIVE", "PUBLISHED", 120);
    delta(v1, v2, "BSDIFF40", "PUBLISHED", 90);
    delta(v15, v2, "NATIVE", "FAILED", 0);
    // 0.9.0 has no patch to 2.0.0, only one to 1.0.0; 0.8.0 only a large one to 0.9.0.
    v09 = firmware("0.9.0", "nine tenths".getBytes(StandardCharsets.UTF_8), null);
    UUID v08 = firmware("0.8.0", "eight tenths".getBytes(StandardCharsets.UTF_8), null);
    delta(v09, v1, "NATIVE", "PUBLISHED", 50);
    delta(v08, v09, "NATIVE", "PUBLISHED", 2_000);
    delta(v1, v15, "NATIVE", "PUBLISHED", 70);
    job = UUID.randomUUID();
    dsl.insertInto(OTA_JOBS)
        .set(OTA_JOBS.ID, job)
        .set(OTA_JOBS.ORGANIZATION_ID, org)
        .set(OTA_JOBS.PRODUCT_ID, product)
        .set(OTA_JOBS.FIRMWARE_ID, v2)
        .set(OTA_JOBS.TARGET_VERSION, "2.0.0")
        .set(OTA_JOBS.TARGET_KIND, "PRODUCT")
        .set(OTA_JOBS.STATUS, "RUNNING")
        .set(OTA_JOBS.MAX_IN_FLIGHT, 5)
        .set(OTA_JOBS.WORKFLOW_ID, "rollout/" + job)
        .execute();
  }

  @Test
  void aDeviceOnASourceVersionGetsTheSmallestPublishedDelta() {
    ArtifactPlan plan = planner.plan(job, target("1.0.0"));

    assertThat(plan.artifact().kind()).isEqualTo(ArtifactKind.DELTA);
    assertThat(plan.artifact().fromVersion()).isEqualTo("1.0.0");
    assertThat(plan.artifact().size()).isEqualTo(90).isEqualTo(plan.bytes().length);
    assertThat(plan.artifact().sha256()).isEqualTo(Sha256.hex(image));
    assertThat(plan.signature()).isEqualTo("c2lnbmF0dXJl");
    assertThat(plan.manifest()).contains("firmament-manifest-v1");
  }

  @Test
  void aPatchMadeWithABranchFilterTheDeviceDoesNotDecodeIsPassedOver() {
    // The native patch from 1.0.0 becomes the smallest (60 bytes) and uses the AArch64 filter.
    replaceNativePatch(60, "ARM64", null);
    DeviceCapabilities patches = DeviceCapabilities.of(ArtifactKind.FULL, ArtifactKind.DELTA);
    DeviceCapabilities arm64 = patches.withDeltaFilters(List.of("ARM64"));

    // A device that names no filters decodes only what every applier does: the BSDIFF40 patch.
    assertThat(offered(planner, "1.0.0", patches).size()).isEqualTo(90);
    assertThat(
            offered(planner, "1.0.0", patches.withDeltaFilters(List.of("THUMB_BL", "X86"))).size())
        .isEqualTo(90);
    // One that names the filter gets the smaller patch.
    ArtifactPlan named = planner.plan(job, target("1.0.0", arm64));
    assertThat(named.artifact().kind()).isEqualTo(ArtifactKind.DELTA);
    assertThat(named.artifact().size()).isEqualTo(60).isEqualTo(named.bytes().length);

    // With no patch it decodes left, the full image (a fresh planner: routes are cached a while).
    dsl.deleteFrom(FIRMWARE_DELTAS)
        .where(FIRMWARE_DELTAS.PRODUCT_ID.eq(product))
        .and(FIRMWARE_DELTAS.FORMAT.eq("BSDIFF40"))
        .execute();
    ArtifactPlanner fresh =
        new ArtifactPlanner(new ArtifactCache(store, 1 << 20), new DeltaCatalog(dsl), 256);
    assertThat(offered(fresh, "1.0.0", patches).kind()).isEqualTo(ArtifactKind.FULL);
    assertThat(offered(fresh, "1.0.0", arm64).size()).isEqualTo(60);
    // A chain through the AArch64 patch goes only to a device that decodes it.
    DeviceCapabilities chains =
        DeviceCapabilities.of(ArtifactKind.FULL, ArtifactKind.DELTA, ArtifactKind.DELTA_CHAIN);
    assertThat(offered(fresh, "0.9.0", chains).kind()).isEqualTo(ArtifactKind.FULL);
    assertThat(offered(fresh, "0.9.0", chains.withDeltaFilters(List.of("ARM64"))).kind())
        .isEqualTo(ArtifactKind.DELTA_CHAIN);
  }

  @Test
  void aPatchWithLzmaStreamsGoesOnlyToDevicesThatDecodeLzma() {
    replaceNativePatch(55, "THUMB_BL", "LZMA");
    DeviceCapabilities patches = DeviceCapabilities.of(ArtifactKind.FULL, ArtifactKind.DELTA);
    DeviceCapabilities lzma = patches.withDeltaCodecs(List.of("LZMA"));

    assertThat(offered(planner, "1.0.0", patches).size()).isEqualTo(90);
    assertThat(offered(planner, "1.0.0", lzma).size()).isEqualTo(55);
    // Both its filter and its codec must be decoded.
    assertThat(offered(planner, "1.0.0", lzma.withDeltaFilters(List.of("ARM64"))).size())
        .isEqualTo(90);
  }

  @Test
  void aDeviceWithoutLzmaGetsTheZstdCompanionOfAnLzmaPatch() {
    // The native patch from 1.0.0 is LZMA-coded (55 bytes) and its zstd companion (80 bytes) is
    // published beside it, as a build with firmament.delta.codec=SMALLEST records them; both are
    // smaller than the 90-byte BSDIFF40 patch.
    replaceNativePatch(55, "THUMB_BL", "LZMA");
    publishCompanion(55, "THUMB_BL", 80);
    DeviceCapabilities patches = DeviceCapabilities.of(ArtifactKind.FULL, ArtifactKind.DELTA);

    ArtifactPlan withoutLzma = planner.plan(job, target("1.0.0", patches));
    assertThat(withoutLzma.artifact().size()).isEqualTo(80).isEqualTo(withoutLzma.bytes().length);
    assertThat(offered(planner, "1.0.0", patches.withDeltaCodecs(List.of("LZMA"))).size())
        .isEqualTo(55);
    // The companion keeps its patch's filter: a device without it gets the BSDIFF40 patch.
    assertThat(offered(planner, "1.0.0", patches.withDeltaFilters(List.of("ARM64"))).size())
        .isEqualTo(90);
  }

  @Test
  void aPatchWithAnAbs32TableGoesToDevicesThatNameItAndItsCompanionToTheOthers() {
    // The native patch from 1.0.0 carries an ABS32 table (55 bytes); its companion without the
    // table (80 bytes) is published beside it, as a build records them.
    replaceNativePatch(55, "THUMB_BL+ABS32", null);
    publishCompanion(55, "THUMB_BL", 80);
    DeviceCapabilities patches = DeviceCapabilities.of(ArtifactKind.FULL, ArtifactKind.DELTA);

    assertThat(
            offered(planner, "1.0.0", patches.withDeltaFilters(List.of("THUMB_BL", "ABS32")))
                .size())
        .isEqualTo(55);
    // A device that names no filters decodes THUMB_BL but not ABS32: the companion.
    assertThat(offered(planner, "1.0.0", patches).size()).isEqualTo(80);
    // ABS32 without the patch's branch filter: neither, the BSDIFF40 patch.
    assertThat(
            offered(planner, "1.0.0", patches.withDeltaFilters(List.of("ARM64", "ABS32"))).size())
        .isEqualTo(90);
  }

  @Test
  void otherVersionsGetTheFullImage() {
    for (String version : new String[] {"1.5.0", "0.1.0", null}) {
      ArtifactPlan plan = planner.plan(job, target(version));

      assertThat(plan.artifact().kind()).as(version).isEqualTo(ArtifactKind.FULL);
      assertThat(plan.bytes()).isEqualTo(image);
      assertThat(plan.artifact().sha256()).isEqualTo(Sha256.hex(image));
      assertThat(plan.signature()).isEqualTo("c2lnbmF0dXJl");
    }
  }

  @Test
  void aSingleSlotDeviceGetsAnInPlacePatchForItsLayoutBuiltFromTheImageItRuns() throws Exception {
    DeviceCapabilities single =
        DeviceCapabilities.of(ArtifactKind.DELTA_IN_PLACE).withSlot(SlotLayout.inPlace(8192, 512));
    ArtifactPlan plan = planner.plan(job, target("1.0.0", single));

    assertThat(plan.artifact().kind()).isEqualTo(ArtifactKind.DELTA_IN_PLACE);
    assertThat(plan.artifact().fromVersion()).isEqualTo("1.0.0");
    assertThat(plan.artifact().sha256()).isEqualTo(Sha256.hex(image));
    assertThat(plan.artifact().size()).isEqualTo(plan.bytes().length);
    assertThat(plan.signature()).isEqualTo("c2lnbmF0dXJl");
    assertThat(plan.storageKey()).as("built for the device, not stored").isNull();
    // Built from the stored image of 1.0.0, for the device's slot.
    assertThat(InPlaceApplier.check(plan.bytes(), "one".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(image.length);
    assertThat(InPlaceApplier.info(plan.bytes()).memorySize()).isEqualTo(8192);
    assertThat(InPlaceApplier.info(plan.bytes()).segmentSize()).isEqualTo(512);
    // The next device on the same version and layout gets the same patch, not a new build.
    assertThat(planner.plan(job, target("1.0.0", single)).bytes()).isSameAs(plan.bytes());
    // Another layout gets its own.
    DeviceCapabilities bigger =
        DeviceCapabilities.of(ArtifactKind.DELTA_IN_PLACE)
            .withSlot(SlotLayout.inPlace(16384, 1024));
    assertThat(
            InPlaceApplier.info(planner.plan(job, target("1.0.0", bigger)).bytes()).segmentSize())
        .isEqualTo(1024);

    // A version the product has no build of: the whole image, written in place.
    ArtifactPlan fromNothing = planner.plan(job, target("0.1.0", single));
    assertThat(fromNothing.artifact().kind()).isEqualTo(ArtifactKind.DELTA_IN_PLACE);
    assertThat(InPlaceApplier.check(fromNothing.bytes(), new byte[0])).isEqualTo(image.length);

    // A slot the image does not fit: the device cannot be served, and the planner says why.
    DeviceCapabilities tiny =
        DeviceCapabilities.of(ArtifactKind.DELTA_IN_PLACE).withSlot(SlotLayout.inPlace(1024, 512));
    assertThatThrownBy(() -> planner.plan(job, target("1.0.0", tiny)))
        .isInstanceOfSatisfying(
            ArtifactPlanner.Unservable.class,
            e -> assertThat(e.code()).isEqualTo(ArtifactPlanner.NO_SPACE))
        .hasMessageContaining("does not fit the device's slot of 1024 bytes");
  }

  private static final DeviceCapabilities CHAINS =
      DeviceCapabilities.of(ArtifactKind.FULL, ArtifactKind.DELTA, ArtifactKind.DELTA_CHAIN);

  @Test
  void aDeviceThatInstallsChainsGetsTheCheapestChainWhenNoPatchLeadsStraightToTheTarget()
      throws Exception {
    ArtifactPlan plan = planner.plan(job, target("0.9.0", CHAINS));

    assertThat(plan.artifact().kind()).isEqualTo(ArtifactKind.DELTA_CHAIN);
    assertThat(plan.artifact().fromVersion()).isEqualTo("0.9.0");
    assertThat(plan.artifact().sha256()).isEqualTo(Sha256.hex(image));
    assertThat(plan.signature()).isEqualTo("c2lnbmF0dXJl");
    // 0.9.0 -> 1.0.0 (50 bytes) -> 2.0.0 (the 90-byte patch, not the 120-byte one, and not through
    // 1.5.0, whose patch to 2.0.0 failed); the chain's header names each step's image.
    List<DeltaChain.Step> steps = DeltaChain.read(SeekableSource.of(plan.bytes()));
    assertThat(steps).extracting(DeltaChain.Step::version).containsExactly("1.0.0", "2.0.0");
    assertThat(steps.get(0).sha256Hex())
        .isEqualTo(Sha256.hex("one".getBytes(StandardCharsets.UTF_8)));
    assertThat(steps.get(1).sha256Hex()).isEqualTo(Sha256.hex(image));
    assertThat(steps).extracting(DeltaChain.Step::length).containsExactly(50L, 90L);
    assertThat(plan.artifact().size())
        .isEqualTo(plan.bytes().length)
        .isEqualTo(9 + (41 + 5 + 50) + (41 + 5 + 90));

    // Planned again, the same chain is served from the cache, the same bytes.
    assertThat(planner.plan(job, target("0.9.0", CHAINS)).bytes()).isSameAs(plan.bytes());
  }

  @Test
  void aChainIsOnlyForDevicesThatSayTheyInstallOne() {
    // A device that declared nothing (an older agent) is offered FULL and DELTA only.
    assertThat(planner.plan(job, target("0.9.0")).artifact().kind()).isEqualTo(ArtifactKind.FULL);
    // One that installs full images only gets the image even where a patch exists.
    ArtifactPlan fullOnly =
        planner.plan(job, target("1.0.0", DeviceCapabilities.of(ArtifactKind.FULL)));
    assertThat(fullOnly.artifact().kind()).isEqualTo(ArtifactKind.FULL);
    assertThat(fullOnly.bytes()).isEqualTo(image);
    // A chain-capable device on a version with a direct patch still gets that patch.
    ArtifactPlan direct = planner.plan(job, target("1.0.0", CHAINS));
    assertThat(direct.artifact().kind()).isEqualTo(ArtifactKind.DELTA);
    assertThat(direct.artifact().size()).isEqualTo(90);
  }

  /**
   * A device on a version the product has a build of, but no published patch from it to the target:
   * a direct patch is built for it, re-applied against that build, and sent when it beats the chain
   * and the image; the next device on the version gets the same bytes.
   */
  @Test
  void aDeviceWithoutAPublishedPatchFromItsVersionGetsADirectPatchBuiltOnDemand() throws Exception {
    // A target image that does not compress away, and a 0.7.0 build two bytes from it.
    image = new byte[8192];
    new Random(3).nextBytes(image);
    byte[] close = image.clone();
    close[100] ^= 1;
    close[5000] ^= 1;
    firmware("0.7.0", close, null);
    byte[] near = image.clone();
    near[7000] ^= 1;
    delta(firmware("0.5.0", near, null), v1, "NATIVE", "PUBLISHED", 30);
    ArtifactPlanner building =
        new ArtifactPlanner(
            new ArtifactCache(store, 1 << 20),
            new DeltaCatalog(dsl),
            256,
            DiffOptions.DEFAULT.withCodec(DiffOptions.Codec.SMALLEST));

    ArtifactPlan plan = building.plan(job, target("0.7.0", CHAINS));
    assertThat(plan.artifact().kind()).isEqualTo(ArtifactKind.DELTA);
    assertThat(plan.artifact().fromVersion()).isEqualTo("0.7.0");
    assertThat(plan.artifact().sha256()).isEqualTo(Sha256.hex(image));
    assertThat(plan.artifact().size()).isEqualTo(plan.bytes().length).isLessThan(image.length / 10);
    assertThat(plan.storageKey()).as("built for the device, not stored").isNull();
    assertThat(plan.signature()).isEqualTo("c2lnbmF0dXJl");
    assertThat(applied(close, plan.bytes())).isEqualTo(image);
    // The device did not declare LZMA: the patch is zstd-coded (header byte 8).
    assertThat(plan.bytes()[8]).isEqualTo((byte) 1);
    assertThat(building.plan(job, target("0.7.0", CHAINS)).bytes()).isSameAs(plan.bytes());
    // A device that decodes LZMA gets its own build, with LZMA streams.
    ArtifactPlan lzma =
        building.plan(job, target("0.7.0", CHAINS.withDeltaCodecs(List.of("LZMA"))));
    assertThat(lzma.bytes()[8]).isEqualTo((byte) 2);
    assertThat(applied(close, lzma.bytes())).isEqualTo(image);

    // A published patch straight to the target is still what a device on 1.0.0 gets.
    assertThat(building.plan(job, target("1.0.0")).artifact().size()).isEqualTo(90);
    // No build of the device's version, or a device that takes no patch: the full image.
    assertThat(building.plan(job, target("0.1.0")).artifact().kind()).isEqualTo(ArtifactKind.FULL);
    assertThat(
            building
                .plan(job, target("0.7.0", DeviceCapabilities.of(ArtifactKind.FULL)))
                .artifact()
                .kind())
        .isEqualTo(ArtifactKind.FULL);
    // A planner that builds nothing on demand sends 0.7.0 the full image.
    assertThat(planner.plan(job, target("0.7.0")).artifact().kind()).isEqualTo(ArtifactKind.FULL);

    // 0.5.0, also close to the target, has a chain (a 30-byte patch to 1.0.0, then the 90-byte
    // one): the direct patch built for it is smaller than the chain's 221 bytes, and wins.
    assertThat(planner.plan(job, target("0.5.0", CHAINS)).artifact().kind())
        .isEqualTo(ArtifactKind.DELTA_CHAIN);
    assertThat(planner.plan(job, target("0.5.0", CHAINS)).artifact().size()).isEqualTo(221);
    ArtifactPlan overChain = building.plan(job, target("0.5.0", CHAINS));
    assertThat(overChain.artifact().kind()).isEqualTo(ArtifactKind.DELTA);
    assertThat(overChain.artifact().size()).isLessThan(221);
    assertThat(applied(near, overChain.bytes())).isEqualTo(image);
  }

  /**
   * A patch built on demand uses only a branch filter the device decodes: the RISC-V stub's patch
   * is built with the RISC-V filter for a device that names it, with none for one that names no
   * filter (which decodes the legacy ones only).
   */
  @Test
  void aPatchBuiltOnDemandUsesOnlyAFilterTheDeviceDecodes() throws Exception {
    Path esp = Path.of("..", "firmware-samples", "esp");
    byte[] old = Files.readAllBytes(esp.resolve("esp-stub-32c3.old"));
    image = Files.readAllBytes(esp.resolve("esp-stub-32c3.new"));
    firmware("0.4.0", old, null);
    ArtifactPlanner building =
        new ArtifactPlanner(
            new ArtifactCache(store, 1 << 20), new DeltaCatalog(dsl), 256, DiffOptions.DEFAULT);
    DeviceCapabilities patches = DeviceCapabilities.of(ArtifactKind.FULL, ArtifactKind.DELTA);

    ArtifactPlan legacy = building.plan(job, target("0.4.0", patches));
    assertThat(legacy.artifact().kind()).isEqualTo(ArtifactKind.DELTA);
    assertThat(legacy.bytes()[9]).as("header's filter byte: none").isEqualTo((byte) 0);
    assertThat(applied(old, legacy.bytes())).isEqualTo(image);
    ArtifactPlan riscv =
        building.plan(job, target("0.4.0", patches.withDeltaFilters(List.of("RISCV"))));
    assertThat(riscv.bytes()[9]).as("header's filter byte: RISC-V").isEqualTo((byte) 5);
    assertThat(riscv.bytes().length).isLessThan(legacy.bytes().length);
    assertThat(applied(old, riscv.bytes())).isEqualTo(image);
  }

  /**
   * A patch that cannot be built (here the stored build of the device's version is gone from the
   * store) leaves the device the full image, not an error; the build is tried again for the next
   * device.
   */
  @Test
  void aPatchThatCannotBeBuiltLeavesTheFullImage() throws Exception {
    image = new byte[8192];
    new Random(4).nextBytes(image);
    firmware("0.6.0", image.clone(), null);
    // The stored 0.6.0 build goes missing from the store.
    String key =
        dsl.select(PRODUCT_FIRMWARE.STORAGE_KEY)
            .from(PRODUCT_FIRMWARE)
            .where(PRODUCT_FIRMWARE.VERSION.eq("0.6.0"))
            .and(PRODUCT_FIRMWARE.PRODUCT_ID.eq(product))
            .fetchOne(PRODUCT_FIRMWARE.STORAGE_KEY);
    dsl.update(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.STORAGE_KEY, "full/gone")
        .where(PRODUCT_FIRMWARE.STORAGE_KEY.eq(key))
        .and(PRODUCT_FIRMWARE.VERSION.eq("0.6.0"))
        .execute();
    ArtifactPlanner building =
        new ArtifactPlanner(
            new ArtifactCache(store, 1 << 20), new DeltaCatalog(dsl), 256, DiffOptions.DEFAULT);

    ArtifactPlan plan = building.plan(job, target("0.6.0", CHAINS));
    assertThat(plan.artifact().kind()).isEqualTo(ArtifactKind.FULL);
    assertThat(plan.bytes()).isEqualTo(image);

    // A failure to read is not remembered: once the build is back, the next device gets its patch.
    dsl.update(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.STORAGE_KEY, key)
        .where(PRODUCT_FIRMWARE.STORAGE_KEY.eq("full/gone"))
        .execute();
    ArtifactPlan retried = building.plan(job, target("0.6.0", CHAINS));
    assertThat(retried.artifact().kind()).isEqualTo(ArtifactKind.DELTA);
    assertThat(applied(image, retried.bytes())).isEqualTo(image);
  }

  private static byte[] applied(byte[] old, byte[] patch) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DeltaApplier.apply(SeekableSource.of(old), SeekableSource.of(patch), out);
    return out.toByteArray();
  }

  @Test
  void aChainLargerThanTheImageIsNotSent() {
    // 0.8.0 -> 0.9.0 alone is 2,000 bytes, more than the whole image.
    assertThat(image.length).isLessThan(2_000);
    ArtifactPlan plan = planner.plan(job, target("0.8.0", CHAINS));

    assertThat(plan.artifact().kind()).isEqualTo(ArtifactKind.FULL);
    assertThat(plan.bytes()).isEqualTo(image);
  }

  @Test
  void aChainWithAMissingPatchFallsBackToTheFullImage() {
    dsl.update(FIRMWARE_DELTAS)
        .set(FIRMWARE_DELTAS.STORAGE_KEY, "delta/gone")
        .where(FIRMWARE_DELTAS.FROM_FIRMWARE_ID.eq(v09))
        .execute();

    ArtifactPlan plan = planner.plan(job, target("0.9.0", CHAINS));

    assertThat(plan.artifact().kind()).isEqualTo(ArtifactKind.FULL);
    assertThat(plan.bytes()).isEqualTo(image);
  }

  @Test
  void aMissingPatchFallsBackToTheFullImage() {
    store.objects.keySet().removeIf(k -> k.startsWith("delta/"));

    ArtifactPlan plan = planner.plan(job, target("1.0.0"));

    assertThat(plan.artifact().kind()).isEqualTo(ArtifactKind.FULL);
    assertThat(plan.bytes()).isEqualTo(image);
  }

  @Test
  void theResultRemembersTheSizeOfWhatWasOffered() {
    dsl.insertInto(DEVICES)
        .set(DEVICES.ID, "planner-" + job.toString().substring(0, 8))
        .set(DEVICES.ORGANIZATION_ID, org)
        .set(DEVICES.PRODUCT_ID, product)
        .set(DEVICES.NAME, "d")
        .set(DEVICES.FIRMWARE_VERSION, "1.0.0")
        .execute();
    String device = "planner-" + job.toString().substring(0, 8);
    results.ensureQueued(org, job, device, "1.0.0");

    results.offered(job, device, "DELTA", Sha256.hex(image), 90, "offered DELTA 90 bytes", null);
    // A device that got the whole artifact counts what it was offered as sent: the 90-byte patch,
    // not the full image.
    List<ResultTransitions.Moved> moved =
        results.transitionAll(
            List.of(
                new ResultTransitions.Reported(
                    job, device, DeviceUpdateState.SUCCEEDED, null, null, null)));

    assertThat(moved).singleElement().extracting(ResultTransitions.Moved::bytesSent).isEqualTo(90L);
    assertThat(
            dsl.select(OTA_RESULTS.ARTIFACT_KIND)
                .from(OTA_RESULTS)
                .where(OTA_RESULTS.JOB_ID.eq(job))
                .fetchOne(OTA_RESULTS.ARTIFACT_KIND))
        .isEqualTo("DELTA");
  }

  /**
   * Replaces the 120-byte native patch from 1.0.0 by a stored patch of {@code size} bytes that
   * records {@code filter} and {@code codec}.
   */
  private void replaceNativePatch(int size, String filter, String codec) {
    StoredArtifact patch = store.put("delta", new byte[size]);
    assertThat(
            dsl.update(FIRMWARE_DELTAS)
                .set(FIRMWARE_DELTAS.STORAGE_KEY, patch.storageKey())
                .set(FIRMWARE_DELTAS.SIZE_BYTES, patch.size())
                .set(FIRMWARE_DELTAS.SHA256, patch.sha256())
                .set(FIRMWARE_DELTAS.BRANCH_FILTER, filter)
                .set(FIRMWARE_DELTAS.CODEC, codec)
                .where(FIRMWARE_DELTAS.PRODUCT_ID.eq(product))
                .and(FIRMWARE_DELTAS.FORMAT.eq("NATIVE"))
                .and(FIRMWARE_DELTAS.SIZE_BYTES.eq(120L))
                .execute())
        .isOne();
  }

  /**
   * Records a companion of {@code companionBytes} with branch filter {@code filter} beside the
   * published native build of {@code buildBytes}, as a build does.
   */
  private void publishCompanion(long buildBytes, String filter, int companionBytes) {
    var build =
        dsl.selectFrom(FIRMWARE_DELTAS)
            .where(FIRMWARE_DELTAS.PRODUCT_ID.eq(product))
            .and(FIRMWARE_DELTAS.SIZE_BYTES.eq(buildBytes))
            .fetchSingle();
    DeltaRecords records = new DeltaRecords(dsl);
    StoredArtifact companion = store.put("delta", new byte[companionBytes]);
    assertThat(
            records.recordCompanion(
                records.build(build.getFromFirmwareId()).orElseThrow(),
                records.build(build.getToFirmwareId()).orElseThrow(),
                records
                    .existing(build.getFromFirmwareId(), build.getToFirmwareId(), "NATIVE")
                    .orElseThrow(),
                filter,
                new DeltaRecords.StoredCompanion(companion.sha256(), companion.size())))
        .isTrue();
  }

  /** What {@code p} offers a device on {@code version} that declares {@code capabilities}. */
  private dev.firmament.protocol.Artifact offered(
      ArtifactPlanner p, String version, DeviceCapabilities capabilities) {
    return p.plan(job, target(version, capabilities)).artifact();
  }

  private UpdateTarget target(String deviceVersion) {
    return target(deviceVersion, null);
  }

  private UpdateTarget target(String deviceVersion, DeviceCapabilities capabilities) {
    StoredArtifact full = store.put("full", image);
    return new UpdateTarget(
        org,
        "dev-1",
        deviceVersion,
        "2.0.0",
        full.storageKey(),
        full.sha256(),
        image.length,
        null,
        0,
        null,
        false,
        true,
        "NONE",
        capabilities);
  }

  private UUID firmware(String version, byte[] bytes, String signature) {
    StoredArtifact stored = store.put("full", bytes);
    UUID id = UUID.randomUUID();
    dsl.insertInto(PRODUCT_FIRMWARE)
        .set(PRODUCT_FIRMWARE.ID, id)
        .set(PRODUCT_FIRMWARE.ORGANIZATION_ID, org)
        .set(PRODUCT_FIRMWARE.PRODUCT_ID, product)
        .set(PRODUCT_FIRMWARE.VERSION, version)
        .set(PRODUCT_FIRMWARE.SHA256, stored.sha256())
        .set(PRODUCT_FIRMWARE.SIZE_BYTES, stored.size())
        .set(PRODUCT_FIRMWARE.STORAGE_KEY, stored.storageKey())
        .set(PRODUCT_FIRMWARE.SIGNATURE, signature)
        .execute();
    return id;
  }

  private void delta(UUID from, UUID to, String format, String status, int size) {
    StoredArtifact patch = null;
    if (size > 0) {
      byte[] bytes = new byte[size];
      bytes[0] = (byte) size;
      bytes[1] = (byte) format.length();
      patch = store.put("delta", bytes);
    }
    dsl.insertInto(FIRMWARE_DELTAS)
        .set(FIRMWARE_DELTAS.ID, UUID.randomUUID())
        .set(FIRMWARE_DELTAS.ORGANIZATION_ID, org)
        .set(FIRMWARE_DELTAS.PRODUCT_ID, product)
        .set(FIRMWARE_DELTAS.FROM_FIRMWARE_ID, from)
        .set(FIRMWARE_DELTAS.TO_FIRMWARE_ID, to)
        .set(FIRMWARE_DELTAS.FORMAT, format)
        .set(FIRMWARE_DELTAS.STATUS, status)
        .set(FIRMWARE_DELTAS.STORAGE_KEY, patch == null ? null : patch.storageKey())
        .set(FIRMWARE_DELTAS.SIZE_BYTES, patch == null ? null : patch.size())
        .set(FIRMWARE_DELTAS.SHA256, patch == null ? null : patch.sha256())
        .execute();
  }

  /** A content-addressed store in memory: the planner's contract with the store, nothing more. */
  static final class MemoryStore implements ArtifactStore {
    final Map<String, byte[]> objects = new ConcurrentHashMap<>();

    @Override
    public StoredArtifact put(String kind, byte[] bytes) {
      String sha = Sha256.hex(bytes);
      objects.put(kind + "/" + sha, bytes.clone());
      return new StoredArtifact(kind + "/" + sha, sha, bytes.length);
    }

    @Override
    public StoredArtifact put(String kind, InputStream bytes, long maxBytes) {
      throw new UnsupportedOperationException("the planner only stores whole arrays");
    }

    @Override
    public byte[] read(String storageKey) {
      byte[] bytes = objects.get(storageKey);
      if (bytes == null) {
        throw new ArtifactNotFoundException(storageKey);
      }
      return bytes.clone();
    }

    @Override
    public InputStream open(String storageKey) {
      return new ByteArrayInputStream(read(storageKey));
    }

    @Override
    public Optional<StoredArtifact> stat(String storageKey) {
      return Optional.ofNullable(objects.get(storageKey))
          .map(b -> new StoredArtifact(storageKey, Sha256.hex(b), b.length));
    }
  }
}
