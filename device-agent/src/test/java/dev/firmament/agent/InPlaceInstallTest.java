package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.delta.inplace.InPlaceDiffer;
import dev.firmament.delta.inplace.InPlaceLayout;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.SlotLayout;
import dev.firmament.protocol.UpdateOffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A single-slot device installs an in-place patch, in memory and on files: the dry run before any
 * write, a power loss in every write of the apply resumed to the new image, and what it refuses.
 */
class InPlaceInstallTest {
  @TempDir Path dir;

  private static final SlotLayout LAYOUT = SlotLayout.inPlace(160 * 1024, 4096);

  private static byte[] next(byte[] base) {
    byte[] next = Arrays.copyOf(base, 110_000);
    for (int j = 0; j < 60; j++) {
      next[(577 + j * 1_013) % next.length] ^= (byte) (7 + j);
    }
    return next;
  }

  private static UpdateOffer offer(ArtifactKind kind, byte[] patch, byte[] target) {
    return new UpdateOffer(
        "u-1",
        "2.0.0",
        new Artifact(kind, "1.0.0", patch.length, FleetTestSupport.sha256(target), 1024),
        8,
        false,
        null);
  }

  private InPlaceStore store(boolean files, byte[] base) {
    return InPlaceStore.open(LAYOUT, 1 << 20, files ? dir.resolve("slot") : null, "1.0.0", base);
  }

  private static void download(InPlaceInstaller installer, UpdateOffer offer, byte[] patch)
      throws InstallException {
    installer.prepare(offer);
    for (int at = 0; at < patch.length; at += 1024) {
      installer.write(offer, at, Arrays.copyOfRange(patch, at, Math.min(patch.length, at + 1024)));
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aPowerLossAtAnyWriteOfTheApplyEndsWithTheNewImage(boolean files) throws Exception {
    byte[] base = SlotInstallerTest.image("base", 100_000);
    byte[] target = next(base);
    byte[] patch =
        InPlaceDiffer.diff(base, target, new InPlaceLayout(LAYOUT.size(), LAYOUT.segment()))
            .patch();
    UpdateOffer offer = offer(ArtifactKind.DELTA_IN_PLACE, patch, target);
    int writes = 0;
    for (int cutAt = 1; ; cutAt++) {
      InPlaceStore store = store(files, base);
      InPlaceInstaller installer = new InPlaceInstaller(store);
      assertThat(installer.slotLayout()).isEqualTo(LAYOUT);
      download(installer, offer, patch);
      StagedImage staged = installer.stage(offer);
      assertThat(staged.sha256()).isEqualTo(FleetTestSupport.sha256(target));
      assertThat(staged.size()).isEqualTo(target.length);
      assertThat(store.sha256(base.length))
          .as("the dry run writes nothing")
          .isEqualTo(FleetTestSupport.sha256(base));
      store.cutPowerAtWrite(cutAt);
      boolean cut = false;
      try {
        installer.activate("2.0.0");
      } catch (PowerLoss expected) {
        cut = true;
        assertThat(installer.runningVersion()).isEqualTo("1.0.0");
        // The boot loader goes on (on files, as a restarted device finds them).
        InPlaceInstaller after = files ? new InPlaceInstaller(store(true, base)) : installer;
        after.activate("2.0.0");
        installer = after;
      }
      InPlaceStore now = files ? store(true, base) : store;
      assertThat(now.version()).isEqualTo("2.0.0");
      assertThat(now.sha256(target.length)).isEqualTo(FleetTestSupport.sha256(target));
      assertThat(now.applying()).isFalse();
      if (!cut) {
        writes = cutAt - 1;
        break;
      }
      if (files) {
        // A fresh directory for the next cut.
        dir = dir.resolveSibling(dir.getFileName() + "x");
      }
    }
    assertThat(writes).isGreaterThan(20);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aPatchForAnotherImageAndOtherKindsAreRefusedWithoutAWrite(boolean files) throws Exception {
    byte[] base = SlotInstallerTest.image("base", 100_000);
    byte[] other = SlotInstallerTest.image("other", 100_000);
    byte[] target = next(other);
    byte[] patch =
        InPlaceDiffer.diff(other, target, new InPlaceLayout(LAYOUT.size(), LAYOUT.segment()))
            .patch();
    InPlaceStore store = store(files, base);
    InPlaceInstaller installer = new InPlaceInstaller(store);
    UpdateOffer offer = offer(ArtifactKind.DELTA_IN_PLACE, patch, target);
    download(installer, offer, patch);
    assertThatThrownBy(() -> installer.stage(offer))
        .isInstanceOfSatisfying(
            InstallException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.HASH_MISMATCH))
        .hasMessageContaining("old image");
    assertThat(store.sha256(base.length)).isEqualTo(FleetTestSupport.sha256(base));

    for (ArtifactKind kind : new ArtifactKind[] {ArtifactKind.FULL, ArtifactKind.DELTA}) {
      assertThatThrownBy(() -> installer.prepare(offer(kind, patch, target)))
          .isInstanceOfSatisfying(
              InstallException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_ARTIFACT));
    }
    assertThatThrownBy(() -> installer.revertTo(SlotId.B)).isInstanceOf(InstallException.class);
    InPlaceStore small = InPlaceStore.open(LAYOUT, patch.length - 1, null, "1.0.0", base);
    assertThatThrownBy(() -> new InPlaceInstaller(small).prepare(offer))
        .isInstanceOfSatisfying(
            InstallException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_SPACE));
    // A two-slot device refuses an in-place patch.
    SlotInstaller ab =
        new SlotInstaller(InMemorySlotStore.withImage("1.0.0", base, new ImagePool()));
    assertThatThrownBy(() -> ab.prepare(offer))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_ARTIFACT));
  }
}
