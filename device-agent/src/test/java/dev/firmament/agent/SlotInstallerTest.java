package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.delta.DeltaDiffer;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.UpdateOffer;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SlotInstallerTest {

  static final int CHUNK = 64;
  static final byte[] OLD_IMAGE = image("old", 1_000);
  static final byte[] NEW_IMAGE = image("new", 1_200);

  static byte[] image(String seed, int length) {
    byte[] bytes = new byte[length];
    byte[] pattern = (seed + " firmware image ").getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (pattern[i % pattern.length] + i / 97);
    }
    return bytes;
  }

  static UpdateOffer fullOffer(byte[] image) {
    return new UpdateOffer(
        "u-1",
        "2.0.0",
        Artifact.full(image.length, FleetTestSupport.sha256(image), CHUNK),
        8,
        false,
        null);
  }

  static UpdateOffer deltaOffer(byte[] patch, byte[] result) {
    return new UpdateOffer(
        "u-1",
        "2.0.0",
        new Artifact(
            ArtifactKind.DELTA, "1.0.0", patch.length, FleetTestSupport.sha256(result), CHUNK),
        8,
        false,
        null);
  }

  /** Writes {@code bytes} in chunks, front to back, as the agent does. */
  static void download(Installer installer, UpdateOffer offer, byte[] bytes)
      throws InstallException {
    installer.prepare(offer);
    for (int offset = 0; offset < bytes.length; offset += CHUNK) {
      installer.write(
          offer, offset, Arrays.copyOfRange(bytes, offset, Math.min(bytes.length, offset + CHUNK)));
    }
  }

  private final InMemorySlotStore store =
      InMemorySlotStore.withImage("1.0.0", OLD_IMAGE, new ImagePool());
  private final SlotInstaller installer = new SlotInstaller(store);

  @Test
  void aFullImageIsStagedThenActivatedAndTheOldSlotIsKept() throws Exception {
    UpdateOffer offer = fullOffer(NEW_IMAGE);
    download(installer, offer, NEW_IMAGE);

    StagedImage staged = installer.stage(offer);

    assertThat(staged).isEqualTo(new StagedImage(offer.artifact().sha256(), NEW_IMAGE.length));
    assertThat(installer.runningVersion()).as("nothing runs before activation").isEqualTo("1.0.0");
    assertThat(installer.activate("2.0.0")).isEqualTo(SlotId.A);
    assertThat(installer.activeSlot()).isEqualTo(SlotId.B);
    assertThat(installer.runningVersion()).isEqualTo("2.0.0");

    installer.confirmBoot(SlotId.A);
    assertThat(installer.runningVersion()).as("the health check passes").isEqualTo("2.0.0");

    installer.revertTo(SlotId.A);
    assertThat(installer.runningVersion()).isEqualTo("1.0.0");
  }

  @Test
  void anImageWithAnotherHashIsAHashMismatchAndNothingRunsIt() throws Exception {
    UpdateOffer offer = fullOffer(NEW_IMAGE);
    byte[] corrupted = NEW_IMAGE.clone();
    corrupted[corrupted.length - 1] ^= 1;
    download(installer, offer, corrupted);

    assertThatThrownBy(() -> installer.stage(offer))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.HASH_MISMATCH);
              assertThat(e.state()).isEqualTo(DeviceState.FAILED);
              assertThat(e.getMessage()).startsWith("expected sha256 " + offer.artifact().sha256());
            });
    assertThat(installer.activeSlot()).isEqualTo(SlotId.A);
  }

  @Test
  void aDeltaIsAppliedFromTheRunningSlotIntoTheInactiveOne() throws Exception {
    byte[] patch = DeltaDiffer.diff(OLD_IMAGE, NEW_IMAGE).patch();
    UpdateOffer offer = deltaOffer(patch, NEW_IMAGE);
    assertThat(installer.canApplyDeltas()).isTrue();
    download(installer, offer, patch);

    assertThat(installer.stage(offer).sha256()).isEqualTo(FleetTestSupport.sha256(NEW_IMAGE));
    installer.activate("2.0.0");

    byte[] running = new byte[NEW_IMAGE.length];
    try (var active = store.openActive()) {
      assertThat(active.size()).isEqualTo(NEW_IMAGE.length);
      for (int filled = 0; filled < running.length; ) {
        filled += active.read(filled, running, filled, running.length - filled);
      }
    }
    assertThat(running).isEqualTo(NEW_IMAGE);
  }

  @Test
  void aPatchThatDoesNotApplyIsAHashMismatch() throws Exception {
    byte[] patch = DeltaDiffer.diff(OLD_IMAGE, NEW_IMAGE).patch();
    UpdateOffer offer = deltaOffer(patch, NEW_IMAGE);
    byte[] truncated = Arrays.copyOf(patch, patch.length / 2);
    download(installer, offer, truncated);

    assertThatThrownBy(() -> installer.stage(offer))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.HASH_MISMATCH);
              assertThat(e.getMessage()).startsWith("the patch does not apply");
            });
    assertThat(installer.runningVersion()).isEqualTo("1.0.0");
  }

  @Test
  void aDeviceWithoutItsImageCannotApplyADelta() throws Exception {
    SlotInstaller digestOnly = new SlotInstaller(InMemorySlotStore.digestOnly("1.0.0"));
    byte[] patch = DeltaDiffer.diff(OLD_IMAGE, NEW_IMAGE).patch();
    UpdateOffer offer = deltaOffer(patch, NEW_IMAGE);

    assertThat(digestOnly.canApplyDeltas()).isFalse();
    download(digestOnly, offer, patch);
    assertThatThrownBy(() -> digestOnly.stage(offer))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
              assertThat(e.getMessage()).isEqualTo("the active slot holds no image");
            });
  }

  @Test
  void aFailingStoreIsAnInternalError() {
    SlotStore failing = failingOn("writeInactive", InMemorySlotStore.keepingBytes("1.0.0"));
    SlotInstaller broken = new SlotInstaller(failing);
    UpdateOffer offer = fullOffer(NEW_IMAGE);

    assertThatThrownBy(() -> download(broken, offer, NEW_IMAGE))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
              assertThat(e.getMessage()).isEqualTo("cannot write the inactive slot: disk gone");
            });
  }

  /** A store that fails one operation with an I/O error and passes the others to {@code store}. */
  static SlotStore failingOn(String method, SlotStore store) {
    return (SlotStore)
        Proxy.newProxyInstance(
            SlotStore.class.getClassLoader(),
            new Class<?>[] {SlotStore.class},
            (proxy, m, args) -> {
              if (m.getName().equals(method)) {
                throw new IOException("disk gone");
              }
              try {
                return m.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
