package dev.firmament.agent;

import static dev.firmament.agent.SlotInstallerTest.CHUNK;
import static dev.firmament.agent.SlotInstallerTest.NEW_IMAGE;
import static dev.firmament.agent.SlotInstallerTest.download;
import static dev.firmament.agent.SlotInstallerTest.fullOffer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.protocol.ChunkFrame;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.UpdateOffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {

  private static final Duration RECONNECT = Duration.ofMillis(200);
  private static final DeviceFaults NONE = DeviceFaults.none();

  /** A link that records what the injector asks of it; delayed tasks run when the test says. */
  private static final class RecordingLink implements DeviceLink {
    final List<Duration> drops = new ArrayList<>();
    final List<Long> delays = new ArrayList<>();
    final List<Runnable> later = new ArrayList<>();

    @Override
    public void drop(Duration reconnectAfter) {
      drops.add(reconnectAfter);
    }

    @Override
    public void runLater(Runnable task, long delayNanos) {
      delays.add(delayNanos);
      later.add(task);
    }
  }

  /** The device's own handling, recording what got through. */
  private static final class RecordingInbound implements Inbound {
    final List<String> seen = new ArrayList<>();

    @Override
    public void command(byte[] payload) {
      seen.add("command");
    }

    @Override
    public void chunk(ChunkFrame chunk) {
      seen.add("chunk@" + chunk.offset());
    }

    @Override
    public void call(byte[] payload, String responseTopic, byte[] correlationData) {
      seen.add(
          "call "
              + new String(payload, java.nio.charset.StandardCharsets.UTF_8)
              + " -> "
              + responseTopic);
    }
  }

  private final RecordingLink link = new RecordingLink();

  private static DeviceFaults faults(
      boolean neverAnswer,
      boolean dropMidTransfer,
      boolean corruptChunk,
      boolean failBoot,
      boolean revertAfterSuccess,
      Duration chunkDelay) {
    return new DeviceFaults(
        neverAnswer, dropMidTransfer, corruptChunk, failBoot, revertAfterSuccess, chunkDelay);
  }

  private FaultInjector injector(InMemorySlotStore store, DeviceFaults faults, long seed) {
    FaultInjector injector = new FaultInjector(new SlotInstaller(store), faults, seed, RECONNECT);
    injector.filter(new RecordingInbound(), link);
    return injector;
  }

  private FaultInjector injector(DeviceFaults faults) {
    return injector(InMemorySlotStore.keepingBytes("1.0.0"), faults, 7);
  }

  @Test
  void withoutFaultsTheImageArrivesIntactAndStays() throws Exception {
    FaultInjector injector = injector(NONE);
    UpdateOffer offer = fullOffer(NEW_IMAGE);

    download(injector, offer, NEW_IMAGE);
    injector.stage(offer);
    SlotId previous = injector.activate("2.0.0");
    injector.confirmBoot(previous);

    assertThat(injector.runningVersion()).isEqualTo("2.0.0");
    assertThat(link.drops).isEmpty();
  }

  @Test
  void aCorruptedChunkFailsTheHashAndTheSameSeedCorruptsTheSameByte() throws Exception {
    DeviceFaults corrupt = faults(false, false, true, false, false, Duration.ZERO);
    InMemorySlotStore first = InMemorySlotStore.keepingBytes("1.0.0");
    InMemorySlotStore second = InMemorySlotStore.keepingBytes("1.0.0");
    UpdateOffer offer = fullOffer(NEW_IMAGE);

    download(injector(first, corrupt, 7), offer, NEW_IMAGE);
    download(injector(second, corrupt, 7), offer, NEW_IMAGE);

    assertThatThrownBy(() -> new SlotInstaller(first).stage(offer))
        .isInstanceOfSatisfying(
            InstallException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.HASH_MISMATCH));
    assertThat(first.sha256Inactive()).isEqualTo(second.sha256Inactive());
    assertThat(first.inactiveLength()).as("only a byte flipped").isEqualTo(NEW_IMAGE.length);
  }

  @Test
  void theConnectionDropsOnceHalfwayThroughEachDownload() throws Exception {
    FaultInjector injector = injector(faults(false, true, false, false, false, Duration.ZERO));
    UpdateOffer offer = fullOffer(NEW_IMAGE);
    long chunks = offer.artifact().chunkCount();
    assertThat(chunks).isEqualTo(19);

    injector.prepare(offer);
    for (int i = 0; i < chunks / 2 - 1; i++) {
      injector.write(offer, (long) i * CHUNK, new byte[CHUNK]);
    }
    assertThat(link.drops).as("one chunk before halfway").isEmpty();
    injector.write(offer, (chunks / 2 - 1) * CHUNK, new byte[CHUNK]);
    assertThat(link.drops).as("right after the chunk at halfway").containsExactly(RECONNECT);

    download(injector, offer, NEW_IMAGE);
    assertThat(link.drops).as("once more for the next download, not for the rest").hasSize(2);
  }

  @Test
  void aOneChunkDownloadNeverDrops() throws Exception {
    FaultInjector injector = injector(faults(false, true, false, false, false, Duration.ZERO));
    byte[] small = new byte[CHUNK];

    download(injector, fullOffer(small), small);

    assertThat(link.drops).isEmpty();
  }

  @Test
  void aFailedBootLeavesTheOldSlotRunning() throws Exception {
    FaultInjector injector = injector(faults(false, false, false, true, false, Duration.ZERO));
    UpdateOffer offer = fullOffer(NEW_IMAGE);
    download(injector, offer, NEW_IMAGE);
    injector.stage(offer);

    assertThatThrownBy(() -> injector.activate("2.0.0"))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.BOOT_FAILED);
              assertThat(e.state()).isEqualTo(DeviceState.ROLLED_BACK);
            });
    assertThat(injector.activeSlot()).isEqualTo(SlotId.A);
    assertThat(injector.runningVersion()).isEqualTo("1.0.0");
  }

  @Test
  void aFailedHealthCheckGoesBackToThePreviousSlot() throws Exception {
    FaultInjector injector = injector(faults(false, false, false, false, true, Duration.ZERO));
    UpdateOffer offer = fullOffer(NEW_IMAGE);
    download(injector, offer, NEW_IMAGE);
    injector.stage(offer);
    SlotId previous = injector.activate("2.0.0");
    assertThat(injector.runningVersion()).isEqualTo("2.0.0");

    assertThatThrownBy(() -> injector.confirmBoot(previous))
        .isInstanceOfSatisfying(
            InstallException.class,
            e -> {
              assertThat(e.state()).isEqualTo(DeviceState.ROLLED_BACK);
              assertThat(e.getMessage()).isEqualTo("health check failed after reboot; reverted");
            });
    assertThat(injector.activeSlot()).isEqualTo(previous);
    assertThat(injector.runningVersion()).isEqualTo("1.0.0");
  }

  @Test
  void aDeviceThatNeverAnswersIgnoresEverything() {
    FaultInjector injector =
        new FaultInjector(
            new SlotInstaller(InMemorySlotStore.digestOnly("1.0.0")),
            faults(true, false, false, false, false, Duration.ZERO),
            7,
            RECONNECT);
    RecordingInbound protocol = new RecordingInbound();

    Inbound filtered = injector.filter(protocol, link);
    filtered.command(new byte[] {'{', '}'});
    filtered.chunk(new ChunkFrame("u-1", 0, new byte[CHUNK]));
    filtered.call(new byte[] {'{', '}'}, "fw/d/reply/a", new byte[] {1});

    assertThat(protocol.seen).isEmpty();
  }

  private static FaultInjector callFaults(Duration callDelay, boolean dropReplies) {
    return new FaultInjector(
        new SlotInstaller(InMemorySlotStore.digestOnly("1.0.0")),
        new DeviceFaults(false, false, false, false, false, Duration.ZERO, callDelay, dropReplies),
        7,
        RECONNECT);
  }

  @Test
  void aSlowDeviceAnswersEachCallOneDelayAfterThePreviousAndPassesChunksAtOnce() {
    Duration delay = Duration.ofSeconds(3);
    RecordingInbound protocol = new RecordingInbound();
    Inbound filtered = callFaults(delay, false).filter(protocol, link);

    filtered.call("a".getBytes(java.nio.charset.StandardCharsets.UTF_8), "fw/d/reply/x", null);
    filtered.call("b".getBytes(java.nio.charset.StandardCharsets.UTF_8), "fw/d/reply/x", null);
    filtered.chunk(new ChunkFrame("u-1", 0, new byte[CHUNK]));

    assertThat(protocol.seen).containsExactly("chunk@0");
    assertThat(link.delays.get(0)).isEqualTo(delay.toNanos());
    assertThat(link.delays.get(1))
        .isGreaterThan(delay.toNanos())
        .isLessThanOrEqualTo(2 * delay.toNanos());
    link.later.forEach(Runnable::run);
    assertThat(protocol.seen)
        .containsExactly("chunk@0", "call a -> fw/d/reply/x", "call b -> fw/d/reply/x");
  }

  @Test
  void aDeviceWhoseRepliesAreLostRunsTheCallWithNowhereToAnswer() {
    RecordingInbound protocol = new RecordingInbound();
    Inbound filtered = callFaults(Duration.ZERO, true).filter(protocol, link);

    filtered.call("a".getBytes(java.nio.charset.StandardCharsets.UTF_8), "fw/d/reply/x", null);
    filtered.command(new byte[] {'{', '}'});

    assertThat(protocol.seen).containsExactly("call a -> null", "command");
    assertThat(link.later).isEmpty();
  }

  @Test
  void aSlowLinkDelaysEachChunkOneDelayAfterThePreviousAndPassesCommandsAtOnce() {
    Duration delay = Duration.ofSeconds(10);
    FaultInjector injector =
        new FaultInjector(
            new SlotInstaller(InMemorySlotStore.digestOnly("1.0.0")),
            faults(false, false, false, false, false, delay),
            7,
            RECONNECT);
    RecordingInbound protocol = new RecordingInbound();
    Inbound filtered = injector.filter(protocol, link);

    filtered.chunk(new ChunkFrame("u-1", 0, new byte[CHUNK]));
    filtered.chunk(new ChunkFrame("u-1", CHUNK, new byte[CHUNK]));
    filtered.command(new byte[] {'{', '}'});

    assertThat(protocol.seen).containsExactly("command");
    assertThat(link.delays.get(0)).isEqualTo(delay.toNanos());
    assertThat(link.delays.get(1))
        .isGreaterThan(delay.toNanos())
        .isLessThanOrEqualTo(2 * delay.toNanos());
    link.later.forEach(Runnable::run);
    assertThat(protocol.seen).containsExactly("command", "chunk@0", "chunk@" + CHUNK);
  }

  @Test
  void withoutLinkFaultsTheDeviceGetsItsMessagesDirectly() {
    RecordingInbound protocol = new RecordingInbound();

    Inbound filtered =
        new FaultInjector(
                new SlotInstaller(InMemorySlotStore.digestOnly("1.0.0")),
                faults(false, true, true, true, true, Duration.ZERO),
                7,
                RECONNECT)
            .filter(protocol, link);

    assertThat(filtered).isSameAs(protocol);
    assertThatThrownBy(() -> callFaults(Duration.ofSeconds(-1), false))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
