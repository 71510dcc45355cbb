package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.delta.DeltaChain;
import dev.firmament.delta.DeltaChain.Link;
import dev.firmament.delta.DeltaDiffer;
import dev.firmament.delta.io.SeekableSource;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.UpdateOffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chain of patches installs on both stores: two steps (the first lands in scratch) and three (the
 * first lands in the inactive slot), and a broken step installs nothing.
 */
class ChainInstallTest {
  @TempDir Path dir;

  /**
   * Version 1.0.0 and each later version, every one an edit of the one before. Their sizes grow and
   * shrink, and pass the installer's 64 KiB write buffer, so an area that was not emptied before a
   * step, or an image written at the wrong place, breaks the result.
   */
  private static final int[] SIZES = {100_000, 120_000, 130_000, 90_000, 110_000};

  private static List<byte[]> versions(int count) {
    List<byte[]> images = new ArrayList<>();
    images.add(SlotInstallerTest.image("base", SIZES[0]));
    for (int i = 1; i < count; i++) {
      byte[] next = java.util.Arrays.copyOf(images.get(i - 1), SIZES[i]);
      for (int j = 0; j < 40; j++) {
        next[(i * 577 + j * 1_013) % next.length] ^= (byte) (i + j);
      }
      images.add(next);
    }
    return images;
  }

  private static byte[] chain(List<byte[]> images) throws IOException {
    List<Link> links = new ArrayList<>();
    for (int i = 1; i < images.size(); i++) {
      byte[] patch = DeltaDiffer.diff(images.get(i - 1), images.get(i)).patch();
      links.add(new Link("1." + i + ".0", FleetTestSupport.sha256(images.get(i)), patch));
    }
    return DeltaChain.encode(links);
  }

  private static UpdateOffer offer(byte[] chain, byte[] target) {
    return new UpdateOffer(
        "u-chain",
        "9.0.0",
        new Artifact(
            ArtifactKind.DELTA_CHAIN,
            "1.0.0",
            chain.length,
            FleetTestSupport.sha256(target),
            SlotInstallerTest.CHUNK),
        8,
        false,
        null);
  }

  private SlotStore store(boolean files, byte[] base) {
    return files
        ? new FileSlotStore(dir.resolve("slots"), "1.0.0", base)
        : InMemorySlotStore.withImage("1.0.0", base, new ImagePool());
  }

  private static byte[] bytes(SeekableSource source) throws IOException {
    try (source) {
      byte[] b = new byte[(int) source.size()];
      source.readFully(0, b, 0, b.length);
      return b;
    }
  }

  @ParameterizedTest(name = "{0} steps")
  @ValueSource(ints = {2, 3, 4})
  void aChainInstallsTheTargetOnFilesAndInMemory(int steps) throws Exception {
    List<byte[]> images = versions(steps + 1);
    byte[] target = images.getLast();
    byte[] chain = chain(images);
    for (boolean files : new boolean[] {true, false}) {
      SlotStore slots = store(files, images.getFirst());
      SlotInstaller installer = new SlotInstaller(slots);
      UpdateOffer offer = offer(chain, target);
      SlotInstallerTest.download(installer, offer, chain);

      assertThat(installer.stage(offer).sha256()).isEqualTo(offer.artifact().sha256());
      installer.activate("9.0.0");

      assertThat(bytes(slots.openActive())).as("files=" + files).isEqualTo(target);
      assertThat(slots.openStaging().size()).as("staging is emptied").isZero();
      assertThat(slots.openScratch().size()).as("scratch is emptied").isZero();
      assertThat(slots.version(SlotId.A)).isEqualTo("1.0.0");
      if (files) {
        Files.walk(dir)
            .sorted(java.util.Comparator.reverseOrder())
            .forEach(p -> p.toFile().delete());
      }
    }
  }

  @ParameterizedTest(name = "files={0}")
  @ValueSource(booleans = {true, false})
  void aNewDownloadStartsFromEmptyAreasAfterAnAbandonedLongerOne(boolean files) throws Exception {
    List<byte[]> images = versions(4);
    SlotStore slots = store(files, images.getFirst());
    SlotInstaller installer = new SlotInstaller(slots);
    byte[] junk = SlotInstallerTest.image("junk", 200_000);

    // A full image: a longer download was abandoned in the inactive slot.
    UpdateOffer full =
        new UpdateOffer(
            "u-full",
            "1.1.0",
            Artifact.full(
                images.get(1).length,
                FleetTestSupport.sha256(images.get(1)),
                SlotInstallerTest.CHUNK),
            8,
            false,
            null);
    SlotInstallerTest.download(installer, full, junk);
    SlotInstallerTest.download(installer, full, images.get(1));
    assertThat(installer.stage(full).sha256()).isEqualTo(full.artifact().sha256());
    installer.activate("1.1.0");

    // A chain: a longer download was abandoned in staging.
    byte[] chain = chain(images.subList(1, 4));
    UpdateOffer chained = offer(chain, images.get(3));
    SlotInstallerTest.download(installer, chained, junk);
    SlotInstallerTest.download(installer, chained, chain);
    assertThat(installer.stage(chained).sha256()).isEqualTo(chained.artifact().sha256());
    installer.activate("9.0.0");
    assertThat(bytes(slots.openActive())).isEqualTo(images.get(3));

    // A single patch leaves staging empty too.
    byte[] patch = DeltaDiffer.diff(images.get(3), images.get(0)).patch();
    UpdateOffer delta =
        new UpdateOffer(
            "u-delta",
            "9.1.0",
            new Artifact(
                ArtifactKind.DELTA,
                "9.0.0",
                patch.length,
                FleetTestSupport.sha256(images.get(0)),
                SlotInstallerTest.CHUNK),
            8,
            false,
            null);
    SlotInstallerTest.download(installer, delta, patch);
    installer.stage(delta);
    assertThat(slots.openStaging().size()).isZero();
  }

  /** A step's link: the version and hash it produces, and its patch from {@code from}. */
  private static Link link(String version, String sha256, byte[] from, byte[] to)
      throws IOException {
    return new Link(version, sha256, DeltaDiffer.diff(from, to).patch());
  }

  /**
   * Downloads {@code chain} onto a device running {@code base} and stages it, which must fail with
   * a hash mismatch and leave the device as it was; returns the failure.
   */
  private InstallException refused(boolean files, byte[] base, byte[] chain, byte[] target)
      throws Exception {
    SlotStore slots = store(files, base);
    SlotInstaller installer = new SlotInstaller(slots);
    UpdateOffer offer = offer(chain, target);
    SlotInstallerTest.download(installer, offer, chain);

    InstallException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            InstallException.class, () -> installer.stage(offer));
    assertThat(refused.code()).isEqualTo(ErrorCode.HASH_MISMATCH);
    assertThat(refused.state()).isEqualTo(DeviceState.FAILED);
    assertThat(installer.activeSlot()).isEqualTo(SlotId.A);
    assertThat(installer.runningVersion()).isEqualTo("1.0.0");
    assertThat(slots.openScratch().size()).isZero();
    return refused;
  }

  @ParameterizedTest(name = "files={0}")
  @ValueSource(booleans = {true, false})
  void aStepThatDoesNotApplyIsNamedAndNothingIsInstalled(boolean files) throws Exception {
    List<byte[]> images = versions(3);
    // The second step's patch is built from another image than the first step produces.
    byte[] stranger = SlotInstallerTest.image("stranger", 3_000);
    byte[] chain =
        DeltaChain.encode(
            List.of(
                link("1.1.0", FleetTestSupport.sha256(images.get(1)), images.get(0), images.get(1)),
                link("1.2.0", FleetTestSupport.sha256(images.get(2)), stranger, images.get(2))));

    assertThat(refused(files, images.getFirst(), chain, images.get(2)).getMessage())
        .startsWith("step 2 of the patch chain does not apply");
  }

  @ParameterizedTest(name = "files={0}")
  @ValueSource(booleans = {true, false})
  void aStepWhoseResultIsNotTheChainsHashStopsTheChain(boolean files) throws Exception {
    List<byte[]> images = versions(3);
    byte[] chain =
        DeltaChain.encode(
            List.of(
                link("1.1.0", "ab".repeat(32), images.get(0), images.get(1)),
                link(
                    "1.2.0",
                    FleetTestSupport.sha256(images.get(2)),
                    images.get(1),
                    images.get(2))));

    assertThat(refused(files, images.getFirst(), chain, images.get(2)).getMessage())
        .startsWith("step 1 of the patch chain does not apply")
        .contains("where the chain expects " + "ab".repeat(32) + " for 1.1.0");
  }

  @ParameterizedTest(name = "files={0}")
  @ValueSource(booleans = {true, false})
  void aMalformedChainIsAHashMismatch(boolean files) throws Exception {
    List<byte[]> images = versions(2);
    byte[] garbage = "FMCHAIN1 and then nothing sensible".getBytes();

    assertThat(refused(files, images.getFirst(), garbage, images.get(1)).getMessage())
        .contains("patch chain does not apply");
  }
}
