package dev.firmament.agent;

import dev.firmament.protocol.CloudInterface;
import dev.firmament.protocol.SlotLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Settings of a {@link FleetSimulator}, including fault injection.
 *
 * <p>Each fault probability is the share of devices that have that fault, drawn once per device, in
 * the order the devices are given, from a {@link Random} seeded with {@code seed}: the same seed
 * and device list always give the same faulty devices. See {@link DeviceFaults} for what each fault
 * does.
 *
 * @param seed seeds fault assignment and the devices' own randomness
 * @param dropConnectionProbability devices that drop their connection halfway through a download
 * @param corruptChunkProbability devices that corrupt one chunk of each download
 * @param slowLinkProbability devices with a slow link
 * @param slowLinkDelayPerChunk the delay per chunk of a slow link
 * @param failBootProbability devices whose new slot does not boot ({@code ROLLED_BACK})
 * @param neverAnswerProbability devices that ignore every command
 * @param revertAfterSuccessProbability devices that report success, then revert
 * @param connectParallelism connection attempts in flight at once while starting
 * @param threads worker and network threads shared by all agents
 * @param ackEvery acknowledge every this many chunks; 0 follows the offer's window
 * @param rebootDelay simulated reboot time
 * @param reconnectDelay how long a dropped connection stays down
 * @param slotDirectory where file-backed slots live ({@code <dir>/<deviceId>/}); null keeps slots
 *     in memory
 * @param connectTimeout how long {@link FleetSimulator#start} waits for all devices
 * @param progress called as devices connect (from a simulator thread); may be null
 * @param verifier how every device checks offer signatures; {@link OfferVerifier#none()} trusts all
 *     offers
 * @param cloud the functions and variables every device declares in its presence; null declares
 *     nothing
 * @param callFaults devices slow to answer calls and devices whose replies are lost; drawn from a
 *     second {@link Random}, so that they leave the other faults' assignment as it was
 * @param vitalsInterval every device publishes its vitals this often (the first at a random point
 *     of the first interval), besides the report each device sends after every boot; null for none
 * @param resetLoop devices that crash over and over once they run a version they installed
 * @param eventInterval every device publishes a {@code temperature} event this often (the first at
 *     a seeded moment within the first interval); null for none
 * @param https the devices that download their updates over HTTPS when offered a link, and whom
 *     they trust; null for none (all take MQTT chunks)
 * @param inPlace the devices with one flash slot, rewritten in place by updates; null for none (all
 *     have two)
 */
public record FleetOptions(
    long seed,
    double dropConnectionProbability,
    double corruptChunkProbability,
    double slowLinkProbability,
    Duration slowLinkDelayPerChunk,
    double failBootProbability,
    double neverAnswerProbability,
    double revertAfterSuccessProbability,
    int connectParallelism,
    int threads,
    int ackEvery,
    Duration rebootDelay,
    Duration reconnectDelay,
    Path slotDirectory,
    Duration connectTimeout,
    Consumer<FleetProgress> progress,
    OfferVerifier verifier,
    CloudInterface cloud,
    CallFaults callFaults,
    Duration eventInterval,
    Duration vitalsInterval,
    ResetLoop resetLoop,
    HttpsFleet https,
    InPlaceFleet inPlace) {

  /**
   * The share of the fleet with one flash slot, picked as {@link HttpsFleet} picks its share (of
   * the devices that start with an image: one without has nothing to rewrite); their slot has
   * {@code spare} bytes beyond the image they start with, rounded up to whole segments. The
   * download and boot faults drawn for them are not applied (those belong to the A/B installer);
   * their own fault is the power cut.
   *
   * @param share 0 to 1
   * @param segment the bytes they rewrite at a time (a power of two from 512 to 1 MiB)
   * @param spare bytes of the slot beyond the first image, at least 0
   * @param powerCutShare of those devices, the share that loses power once in the middle of a write
   *     of their first in-place apply (picked the same way; the write, one of the first four, from
   *     the seed), and goes on after its reboot
   */
  public record InPlaceFleet(double share, int segment, long spare, double powerCutShare) {
    public InPlaceFleet {
      probability("inPlace.share", share);
      probability("inPlace.powerCutShare", powerCutShare);
      SlotLayout.inPlace(segment, segment);
      if (spare < 0) {
        throw new IllegalArgumentException("inPlace.spare must not be negative");
      }
    }

    /** Whether the device at {@code index} of the fleet has one slot. */
    public boolean singleSlot(int index) {
      return Math.floor((index + 1) * share) > Math.floor(index * share);
    }

    /** The slot of a device that starts with {@code imageBytes}. */
    public SlotLayout layoutFor(long imageBytes) {
      long size = imageBytes + spare;
      return SlotLayout.inPlace((size + segment - 1) / segment * segment, segment);
    }
  }

  /**
   * The share of the fleet that downloads over HTTPS: of every run of devices in the given order,
   * the ones where {@code share} times the count passes a whole number (0.5: every second device),
   * so that the mix is exact and the same on every run.
   *
   * @param share 0 to 1
   * @param caFile a PEM file of the authorities the devices trust for HTTPS, or null for the JVM's
   */
  public record HttpsFleet(double share, Path caFile) {
    public HttpsFleet {
      probability("https.share", share);
    }

    /** Whether the device at {@code index} of the fleet downloads over HTTPS. */
    public boolean downloads(int index) {
      return Math.floor((index + 1) * share) > Math.floor(index * share);
    }
  }

  /**
   * Firmware that boots but does not stay up.
   *
   * @param probability devices that, once they run a version they installed, crash every {@code
   *     every}
   * @param every how often such a device crashes
   */
  public record ResetLoop(double probability, Duration every) {
    public static final ResetLoop NONE = new ResetLoop(0, Duration.ofMinutes(1));

    public ResetLoop {
      FleetOptions.probability("probability", probability);
      Objects.requireNonNull(every, "every");
      if (every.isNegative() || every.isZero()) {
        throw new IllegalArgumentException("every must be positive");
      }
    }
  }

  /**
   * Faults of the call path.
   *
   * @param slowProbability devices that answer each call {@code slowDelay} late
   * @param slowDelay how late a slow device answers
   * @param droppedReplyProbability devices that run calls but whose replies never arrive
   */
  public record CallFaults(
      double slowProbability, Duration slowDelay, double droppedReplyProbability) {

    public static final CallFaults NONE = new CallFaults(0, Duration.ZERO, 0);

    public CallFaults {
      probability("slowProbability", slowProbability);
      probability("droppedReplyProbability", droppedReplyProbability);
      Objects.requireNonNull(slowDelay, "slowDelay");
    }
  }

  public FleetOptions {
    probability("dropConnectionProbability", dropConnectionProbability);
    probability("corruptChunkProbability", corruptChunkProbability);
    probability("slowLinkProbability", slowLinkProbability);
    probability("failBootProbability", failBootProbability);
    probability("neverAnswerProbability", neverAnswerProbability);
    probability("revertAfterSuccessProbability", revertAfterSuccessProbability);
    Objects.requireNonNull(slowLinkDelayPerChunk, "slowLinkDelayPerChunk");
    Objects.requireNonNull(rebootDelay, "rebootDelay");
    Objects.requireNonNull(reconnectDelay, "reconnectDelay");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(verifier, "verifier");
    callFaults = callFaults == null ? CallFaults.NONE : callFaults;
    if (eventInterval != null && (eventInterval.isNegative() || eventInterval.isZero())) {
      throw new IllegalArgumentException("eventInterval must be positive");
    }
    if (vitalsInterval != null && (vitalsInterval.isNegative() || vitalsInterval.isZero())) {
      throw new IllegalArgumentException("vitalsInterval must be positive");
    }
    resetLoop = resetLoop == null ? ResetLoop.NONE : resetLoop;
    if (connectParallelism < 1 || threads < 1 || ackEvery < 0) {
      throw new IllegalArgumentException(
          "connectParallelism and threads must be positive, ackEvery not negative");
    }
  }

  /**
   * No faults, seed 42, 64 connections at a time, threads = processors, acknowledgements at the
   * offer's interval, 50 ms reboots, 200 ms reconnect delay, slots in memory, 60 s to connect, no
   * signature check.
   */
  public static FleetOptions defaults() {
    return new FleetOptions(
        42,
        0,
        0,
        0,
        Duration.ofMillis(20),
        0,
        0,
        0,
        64,
        Math.max(2, Runtime.getRuntime().availableProcessors()),
        0,
        Duration.ofMillis(50),
        Duration.ofMillis(200),
        null,
        Duration.ofSeconds(60),
        null,
        OfferVerifier.none(),
        null,
        CallFaults.NONE,
        null,
        null,
        ResetLoop.NONE,
        null,
        null);
  }

  public FleetOptions withSeed(long seed) {
    return edit(b -> b.seed = seed);
  }

  public FleetOptions withDropConnectionProbability(double p) {
    return edit(b -> b.dropConnectionProbability = p);
  }

  public FleetOptions withCorruptChunkProbability(double p) {
    return edit(b -> b.corruptChunkProbability = p);
  }

  public FleetOptions withSlowLink(double p, Duration delayPerChunk) {
    return edit(
        b -> {
          b.slowLinkProbability = p;
          b.slowLinkDelayPerChunk = delayPerChunk;
        });
  }

  public FleetOptions withFailBootProbability(double p) {
    return edit(b -> b.failBootProbability = p);
  }

  public FleetOptions withNeverAnswerProbability(double p) {
    return edit(b -> b.neverAnswerProbability = p);
  }

  public FleetOptions withRevertAfterSuccessProbability(double p) {
    return edit(b -> b.revertAfterSuccessProbability = p);
  }

  public FleetOptions withConnectParallelism(int connectParallelism) {
    return edit(b -> b.connectParallelism = connectParallelism);
  }

  public FleetOptions withAckEvery(int ackEvery) {
    return edit(b -> b.ackEvery = ackEvery);
  }

  /**
   * Keeps each device's state in {@code slotDirectory/{deviceId}}: its slots, in {@code ledgers/}
   * its ledgers and in {@code network.json} its network configuration, so that a fleet started
   * again on the same directory comes back with them (without one, both live in memory).
   */
  public FleetOptions withSlotDirectory(Path slotDirectory) {
    return edit(b -> b.slotDirectory = slotDirectory);
  }

  public FleetOptions withProgress(Consumer<FleetProgress> progress) {
    return edit(b -> b.progress = progress);
  }

  public FleetOptions withOfferVerifier(OfferVerifier verifier) {
    return edit(b -> b.verifier = verifier);
  }

  /** Every device declares these functions and variables in its presence. */
  public FleetOptions withCloud(CloudInterface cloud) {
    return edit(b -> b.cloud = cloud);
  }

  /** Every device publishes a {@code temperature} event this often; null for none. */
  public FleetOptions withEventInterval(Duration eventInterval) {
    return edit(b -> b.eventInterval = eventInterval);
  }

  /** Every device publishes its vitals this often; null for only after each boot. */
  public FleetOptions withVitalsInterval(Duration vitalsInterval) {
    return edit(b -> b.vitalsInterval = vitalsInterval);
  }

  /** Devices that crash over and over once they run a version they installed. */
  public FleetOptions withResetLoop(ResetLoop resetLoop) {
    return edit(b -> b.resetLoop = resetLoop);
  }

  /** Devices slow to answer calls, and devices whose replies are lost. */
  public FleetOptions withCallFaults(CallFaults callFaults) {
    return edit(b -> b.callFaults = callFaults);
  }

  /** Gives {@code inPlace.share} of the devices one flash slot, rewritten in place. */
  public FleetOptions withInPlace(InPlaceFleet inPlace) {
    return edit(b -> b.inPlace = inPlace);
  }

  /** Has {@code https.share} of the devices download over HTTPS when offered a link. */
  public FleetOptions withHttps(HttpsFleet https) {
    return edit(b -> b.https = https);
  }

  public FleetOptions withThreads(int threads) {
    return edit(b -> b.threads = threads);
  }

  public FleetOptions withConnectTimeout(Duration connectTimeout) {
    return edit(b -> b.connectTimeout = connectTimeout);
  }

  /**
   * Draws the faults of the next device: the download faults from {@code random} (always all six),
   * the call faults from {@code callRandom} (always both), the reset loop from {@code resetRandom}.
   */
  DeviceFaults drawFaults(Random random, Random callRandom, Random resetRandom) {
    boolean drop = random.nextDouble() < dropConnectionProbability;
    boolean corrupt = random.nextDouble() < corruptChunkProbability;
    boolean slow = random.nextDouble() < slowLinkProbability;
    boolean failBoot = random.nextDouble() < failBootProbability;
    boolean neverAnswer = random.nextDouble() < neverAnswerProbability;
    boolean revert = random.nextDouble() < revertAfterSuccessProbability;
    boolean slowCalls = callRandom.nextDouble() < callFaults.slowProbability();
    boolean lostReplies = callRandom.nextDouble() < callFaults.droppedReplyProbability();
    boolean resets = resetRandom.nextDouble() < resetLoop.probability();
    return new DeviceFaults(
        neverAnswer,
        drop,
        corrupt,
        failBoot,
        revert,
        slow ? slowLinkDelayPerChunk : Duration.ZERO,
        slowCalls ? callFaults.slowDelay() : Duration.ZERO,
        lostReplies,
        resets ? resetLoop.every() : Duration.ZERO);
  }

  private static void probability(String name, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1], was " + p);
    }
  }

  /**
   * A mutable copy of these settings, so that each {@code with…} method names only what it changes.
   */
  private static final class Editor {
    private long seed;
    private double dropConnectionProbability;
    private double corruptChunkProbability;
    private double slowLinkProbability;
    private Duration slowLinkDelayPerChunk;
    private double failBootProbability;
    private double neverAnswerProbability;
    private double revertAfterSuccessProbability;
    private int connectParallelism;
    private int threads;
    private int ackEvery;
    private Duration rebootDelay;
    private Duration reconnectDelay;
    private Path slotDirectory;
    private Duration connectTimeout;
    private Consumer<FleetProgress> progress;
    private OfferVerifier verifier;
    private CloudInterface cloud;
    private CallFaults callFaults;
    private Duration eventInterval;
    private Duration vitalsInterval;
    private ResetLoop resetLoop;
    private HttpsFleet https;
    private InPlaceFleet inPlace;

    Editor(FleetOptions from) {
      seed = from.seed;
      dropConnectionProbability = from.dropConnectionProbability;
      corruptChunkProbability = from.corruptChunkProbability;
      slowLinkProbability = from.slowLinkProbability;
      slowLinkDelayPerChunk = from.slowLinkDelayPerChunk;
      failBootProbability = from.failBootProbability;
      neverAnswerProbability = from.neverAnswerProbability;
      revertAfterSuccessProbability = from.revertAfterSuccessProbability;
      connectParallelism = from.connectParallelism;
      threads = from.threads;
      ackEvery = from.ackEvery;
      rebootDelay = from.rebootDelay;
      reconnectDelay = from.reconnectDelay;
      slotDirectory = from.slotDirectory;
      connectTimeout = from.connectTimeout;
      progress = from.progress;
      verifier = from.verifier;
      cloud = from.cloud;
      callFaults = from.callFaults;
      eventInterval = from.eventInterval;
      vitalsInterval = from.vitalsInterval;
      resetLoop = from.resetLoop;
      https = from.https;
      inPlace = from.inPlace;
    }

    FleetOptions build() {
      return new FleetOptions(
          seed,
          dropConnectionProbability,
          corruptChunkProbability,
          slowLinkProbability,
          slowLinkDelayPerChunk,
          failBootProbability,
          neverAnswerProbability,
          revertAfterSuccessProbability,
          connectParallelism,
          threads,
          ackEvery,
          rebootDelay,
          reconnectDelay,
          slotDirectory,
          connectTimeout,
          progress,
          verifier,
          cloud,
          callFaults,
          eventInterval,
          vitalsInterval,
          resetLoop,
          https,
          inPlace);
    }
  }

  private FleetOptions edit(java.util.function.Consumer<Editor> change) {
    Editor editor = new Editor(this);
    change.accept(editor);
    return editor.build();
  }
}
