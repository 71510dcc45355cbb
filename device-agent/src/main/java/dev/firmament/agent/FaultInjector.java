package dev.firmament.agent;

import dev.firmament.protocol.ChunkFrame;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.SlotLayout;
import dev.firmament.protocol.UpdateOffer;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Makes a simulated device misbehave as its {@link DeviceFaults} say, around a device that follows
 * the protocol. Only the {@link FleetSimulator} builds devices with one.
 *
 * <p>It decorates both sides the faults live on. As the device's {@link Installer} it corrupts one
 * chunk of each download, drops the connection once halfway through each download (after writing
 * the chunk and before the device can acknowledge it, so the server must resume), fails the boot of
 * the new slot, or fails the health check after a successful boot and goes back to the old slot. As
 * an {@link Inbound.Filter} it ignores every command, chunk and call (a device that never answers),
 * delays each chunk (a slow link), delays each call (a slow device) or runs calls without answering
 * (replies lost on the way).
 *
 * <p>The agent hands the injector its link through {@link #filter} when it is built, before any
 * message arrives. Which chunk is corrupted and which byte in it are drawn from a {@link Random}
 * seeded per device, so the same seed breaks the same bytes. Not thread-safe: it runs on the
 * device's serial executor, like the agent.
 */
final class FaultInjector implements Installer, Inbound.Filter {

  private final Installer installer;
  private final DeviceFaults faults;
  private final Random random;
  private final Duration reconnectDelay;
  private DeviceLink link;

  // The current download.
  private long written;
  private long corruptChunk = -1;
  private long dropAtChunk = -1;
  private boolean dropped;
  private long slowLinkReadyNanos;
  private long slowCallReadyNanos;

  /**
   * @param installer the device's own installer
   * @param faults what goes wrong
   * @param seed seeds which chunk is corrupted
   * @param reconnectDelay how long a connection dropped mid-transfer stays down
   */
  FaultInjector(Installer installer, DeviceFaults faults, long seed, Duration reconnectDelay) {
    this.installer = Objects.requireNonNull(installer, "installer");
    this.faults = Objects.requireNonNull(faults, "faults");
    this.random = new Random(seed);
    this.reconnectDelay = Objects.requireNonNull(reconnectDelay, "reconnectDelay");
  }

  /** A device of the fleet simulator, with its faults injected. */
  static DeviceAgent device(AgentConfig config, SlotStore slots, AgentRuntime runtime) {
    return device(config, slots, LedgerStore.inMemory(), runtime);
  }

  /**
   * As {@link #device(AgentConfig, SlotStore, AgentRuntime)}, keeping ledgers in {@code ledgers}.
   */
  static DeviceAgent device(
      AgentConfig config, SlotStore slots, LedgerStore ledgers, AgentRuntime runtime) {
    return device(config, slots, ledgers, NetworkStore.inMemory(), runtime);
  }

  /**
   * As {@link #device(AgentConfig, SlotStore, LedgerStore, AgentRuntime)}, keeping the network
   * configuration in {@code networks}.
   */
  static DeviceAgent device(
      AgentConfig config,
      SlotStore slots,
      LedgerStore ledgers,
      NetworkStore networks,
      AgentRuntime runtime) {
    FaultInjector injector =
        new FaultInjector(
            new SlotInstaller(slots), config.faults(), config.seed(), config.reconnectDelay());
    return new DeviceAgent(config, injector, runtime, injector, ledgers, networks);
  }

  // ---- the link ----

  @Override
  public Inbound filter(Inbound protocol, DeviceLink link) {
    this.link = Objects.requireNonNull(link, "link");
    if (faults.neverAnswer()) {
      return new Inbound() {
        @Override
        public void command(byte[] payload) {}

        @Override
        public void chunk(ChunkFrame chunk) {}

        @Override
        public void call(byte[] payload, String responseTopic, byte[] correlationData) {}
      };
    }
    Duration chunkDelay = faults.chunkDelay();
    Duration callDelay = faults.callDelay();
    if (chunkDelay.isZero() && callDelay.isZero() && !faults.dropCallReplies()) {
      return protocol;
    }
    return new Inbound() {
      @Override
      public void command(byte[] payload) {
        protocol.command(payload);
      }

      @Override
      public void chunk(ChunkFrame chunk) {
        if (chunkDelay.isZero()) {
          protocol.chunk(chunk);
          return;
        }
        // A slow link: chunks are processed later, one delay apart, in arrival order.
        long now = System.nanoTime();
        slowLinkReadyNanos = Math.max(now, slowLinkReadyNanos) + chunkDelay.toNanos();
        link.runLater(() -> protocol.chunk(chunk), slowLinkReadyNanos - now);
      }

      @Override
      public void call(byte[] payload, String responseTopic, byte[] correlationData) {
        // A lost reply: the device runs the call, its answer goes nowhere.
        String replyTo = faults.dropCallReplies() ? null : responseTopic;
        if (callDelay.isZero()) {
          protocol.call(payload, replyTo, correlationData);
          return;
        }
        // A slow device: calls are answered later, one delay apart, in arrival order.
        long now = System.nanoTime();
        slowCallReadyNanos = Math.max(now, slowCallReadyNanos) + callDelay.toNanos();
        link.runLater(
            () -> protocol.call(payload, replyTo, correlationData), slowCallReadyNanos - now);
      }
    };
  }

  // ---- the installer ----

  @Override
  public void prepare(UpdateOffer offer) throws InstallException {
    installer.prepare(offer);
    long chunks = offer.artifact().chunkCount();
    written = 0;
    dropped = false;
    dropAtChunk = faults.dropMidTransfer() && chunks > 1 ? chunks / 2 : -1;
    corruptChunk =
        faults.corruptChunk() ? random.nextInt((int) Math.min(chunks, Integer.MAX_VALUE)) : -1;
  }

  @Override
  public void write(UpdateOffer offer, long offset, byte[] bytes) throws InstallException {
    byte[] data = bytes;
    if (written == corruptChunk) {
      data = bytes.clone();
      data[random.nextInt(data.length)] ^= (byte) 0x5A;
    }
    installer.write(offer, offset, data);
    written++;
    if (written == dropAtChunk && !dropped) {
      // Before the device acknowledges: chunks in flight are lost and the server must resume.
      dropped = true;
      link.drop(reconnectDelay);
    }
  }

  @Override
  public SlotId activate(String version) throws InstallException {
    if (faults.failBoot()) {
      throw new InstallException(ErrorCode.BOOT_FAILED, "the new slot did not boot");
    }
    return installer.activate(version);
  }

  @Override
  public void confirmBoot(SlotId previous) throws InstallException {
    if (!faults.revertAfterSuccess()) {
      installer.confirmBoot(previous);
      return;
    }
    installer.revertTo(previous);
    throw new InstallException(ErrorCode.BOOT_FAILED, "health check failed after reboot; reverted");
  }

  // ---- the rest passes through ----

  @Override
  public SlotLayout slotLayout() {
    return installer.slotLayout();
  }

  @Override
  public String runningVersion() {
    return installer.runningVersion();
  }

  @Override
  public SlotId activeSlot() {
    return installer.activeSlot();
  }

  @Override
  public boolean canApplyDeltas() throws InstallException {
    return installer.canApplyDeltas();
  }

  @Override
  public StagedImage stage(UpdateOffer offer) throws InstallException {
    return installer.stage(offer);
  }

  @Override
  public void revertTo(SlotId slot) throws InstallException {
    installer.revertTo(slot);
  }

  @Override
  public void discard() throws InstallException {
    installer.discard();
  }
}
