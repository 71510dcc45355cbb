package dev.firmament.agent;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.manifest.Sha256;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlotStoreTest {

  @TempDir Path dir;

  @Test
  void fileSlotsWriteHashActivateAndSurviveAReopen() throws Exception {
    FileSlotStore store = new FileSlotStore(dir, "1.0.0");
    exercise(store);

    FileSlotStore reopened = new FileSlotStore(dir, "ignored");
    assertThat(reopened.activeSlot()).isEqualTo(SlotId.B);
    assertThat(reopened.activeVersion()).isEqualTo("2.0.0");
    assertThat(reopened.version(SlotId.A)).isEqualTo("1.0.0");
  }

  @Test
  void memorySlotsBehaveTheSame() throws Exception {
    exercise(InMemorySlotStore.keepingBytes("1.0.0"));
    exercise(InMemorySlotStore.digestOnly("1.0.0"));
  }

  @Test
  void digestOnlySlotsRefuseWritesOutOfOrder() {
    InMemorySlotStore store = InMemorySlotStore.digestOnly("1.0.0");
    store.eraseInactive();

    assertThatThrownBy(() -> store.writeInactive(8, new byte[4], 0, 4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("expected offset 0");
  }

  private static void exercise(SlotStore store) throws Exception {
    byte[] image = "firmware image bytes".getBytes(UTF_8);
    assertThat(store.activeSlot()).isEqualTo(SlotId.A);
    assertThat(store.activeVersion()).isEqualTo("1.0.0");

    store.eraseInactive();
    store.writeInactive(0, image, 0, 8);
    store.writeInactive(8, image, 8, image.length - 8);

    assertThat(store.inactiveLength()).isEqualTo(image.length);
    assertThat(store.sha256Inactive()).isEqualTo(Sha256.hex(image));
    assertThat(store.activeSlot()).as("nothing switches before activation").isEqualTo(SlotId.A);

    store.activateInactive("2.0.0");
    assertThat(store.activeSlot()).isEqualTo(SlotId.B);
    assertThat(store.activeVersion()).isEqualTo("2.0.0");

    store.revertTo(SlotId.A);
    assertThat(store.activeVersion()).isEqualTo("1.0.0");
    store.revertTo(SlotId.B);
  }
}
