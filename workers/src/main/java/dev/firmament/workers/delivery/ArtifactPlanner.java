package dev.firmament.workers.delivery;

import dev.firmament.artifact.ArtifactStoreException;
import dev.firmament.delta.ApplyResult;
import dev.firmament.delta.DeltaApplier;
import dev.firmament.delta.DeltaChain;
import dev.firmament.delta.DeltaDiffer;
import dev.firmament.delta.DeltaRoutes;
import dev.firmament.delta.DeltaRoutes.Patch;
import dev.firmament.delta.DeltaRoutes.Route;
import dev.firmament.delta.DiffOptions;
import dev.firmament.delta.DiffResult;
import dev.firmament.delta.inplace.InPlaceApplier;
import dev.firmament.delta.inplace.InPlaceDiffer;
import dev.firmament.delta.inplace.InPlaceLayout;
import dev.firmament.delta.io.SeekableSource;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.ArtifactKind;
import dev.firmament.protocol.DeviceCapabilities;
import dev.firmament.protocol.SlotLayout;
import dev.firmament.workers.delta.DeltaPipelineConfiguration;
import dev.firmament.workers.rollout.JobTargets.UpdateTarget;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Chooses the bytes a device is sent for its update: the cheapest of the published patches from the
 * version the device reports (one patch, or a chain of them when the device declared it installs
 * chains), or a direct patch built on demand when no published patch leads straight there, else the
 * full image of the target version. Patches and images are read through the cache.
 *
 * <p>Published deltas were re-applied and matched the target's SHA-256 before they were published;
 * a patch built on demand is re-applied the same way before it is sent, and never stored. The offer
 * announces the target hash either way, so the device checks the image it builds, not the patch. A
 * chain also names each step's image hash, so a step that goes wrong is caught at that step.
 */
@Component
public class ArtifactPlanner {
  private static final Logger log = LoggerFactory.getLogger(ArtifactPlanner.class);

  /** The code of a device whose slot cannot hold the target image. */
  public static final String NO_SPACE = "NO_SPACE";

  private final ArtifactCache artifacts;
  private final DeltaCatalog deltas;
  private final int chunkSize;

  /** How patches built on demand are made; null when none are built. */
  private final DiffOptions onDemand;

  /**
   * @param onDemand whether a device on a version with a stored build but no published patch
   *     straight to the target gets a direct patch built for it ({@code
   *     firmament.delivery.build-on-demand}), made as the delta pipeline makes its patches ({@code
   *     firmament.delta.codec})
   */
  @Autowired
  public ArtifactPlanner(
      ArtifactCache artifacts,
      DeltaCatalog deltas,
      @Value("${firmament.delivery.chunk-size:4096}") int chunkSize,
      @Value("${firmament.delivery.build-on-demand:true}") boolean onDemand,
      @Value("${firmament.delta.codec:SMALLEST}") String codec) {
    this(artifacts, deltas, chunkSize, onDemand ? DeltaPipelineConfiguration.options(codec) : null);
  }

  /** A planner that builds no patch on demand. */
  ArtifactPlanner(ArtifactCache artifacts, DeltaCatalog deltas, int chunkSize) {
    this(artifacts, deltas, chunkSize, (DiffOptions) null);
  }

  ArtifactPlanner(
      ArtifactCache artifacts, DeltaCatalog deltas, int chunkSize, DiffOptions onDemand) {
    this.artifacts = artifacts;
    this.deltas = deltas;
    this.chunkSize = chunkSize;
    this.onDemand = onDemand;
  }

  /**
   * A device this server cannot send an update to, and why: the code and detail its result ends
   * with.
   */
  public static final class Unservable extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;

    Unservable(String code, String detail) {
      super(detail, null, false, false);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  /**
   * The artifact for one device of a job: patches when they are cheaper, else the image; for a
   * device with one slot, an in-place patch built for its layout.
   *
   * @throws Unservable when nothing this server can build fits the device
   */
  public ArtifactPlan plan(UUID jobId, UpdateTarget target) {
    long now = System.nanoTime();
    // A job's firmware and its manifest never change; the published deltas may, so they are read
    // again after a few seconds (a delta published during a rollout reaches the next devices).
    DeltaCatalog.SignedManifest signed =
        cached(manifests, jobId, now, Long.MAX_VALUE, MAX_ENTRIES, () -> deltas.manifest(jobId));
    if (target.installsInPlace()) {
      return inPlace(jobId, target, signed);
    }
    int maxSteps = maxSteps(target);
    Optional<Route> route =
        cached(
            routes,
            new RouteKey(
                jobId,
                target.deviceVersion(),
                maxSteps,
                target.capabilities().deltaFilters(),
                target.capabilities().deltaCodecs()),
            now,
            DELTA_TTL_NANOS,
            MAX_ENTRIES,
            () ->
                DeltaRoutes.cheapest(
                    decodable(
                        cached(
                            patches,
                            jobId,
                            now,
                            DELTA_TTL_NANOS,
                            MAX_ENTRIES,
                            () -> deltas.publishedPatches(jobId)),
                        target),
                    target.deviceVersion(),
                    target.targetVersion(),
                    maxSteps));
    if (onDemand != null
        && target.accepts(ArtifactKind.DELTA)
        && (route.isEmpty() || route.get().isChain())) {
      long toBeat = Math.min(target.size(), route.map(Route::bytes).orElse(Long.MAX_VALUE));
      Optional<byte[]> direct = direct(jobId, target);
      if (direct.isPresent() && direct.get().length < toBeat) {
        return patchPlan(
            ArtifactKind.DELTA, target.deviceVersion(), direct.get(), target, signed, null);
      }
    }
    if (route.isPresent() && route.get().bytes() < target.size()) {
      Route r = route.get();
      try {
        byte[] bytes =
            r.isChain()
                ? cached(chains, r.patches(), now, DELTA_TTL_NANOS, MAX_CHAINS, () -> chain(r))
                : artifacts.get(r.patches().getFirst().storageKey());
        return patchPlan(
            r.isChain() ? ArtifactKind.DELTA_CHAIN : ArtifactKind.DELTA,
            r.patches().getFirst().fromVersion(),
            bytes,
            target,
            signed,
            r.isChain() ? null : r.patches().getFirst().storageKey());
      } catch (ArtifactStoreException e) {
        // The full image always works; a missing or damaged patch must not stop the update.
        log.warn(
            "patch unavailable, sending the full image route={} device={} error={}",
            r.patches().stream().map(Patch::storageKey).toList(),
            target.deviceId(),
            e.toString());
      }
    }
    ArtifactPlan full = plan(target);
    return new ArtifactPlan(
        full.artifact(), full.bytes(), signed.signature(), signed.manifest(), full.storageKey());
  }

  /**
   * An in-place patch from the image the device runs to the target, for the device's slot layout
   * (docs/delta-format.md, section 10). Built on the first request for its job, version and layout,
   * checked by the device's own dry run against the old image, and kept for the next devices; a
   * device on a version the product has no build of is sent a patch from nothing (the whole image,
   * written in place). Not stored: it goes as chunks, as a chain does.
   */
  private ArtifactPlan inPlace(
      UUID jobId, UpdateTarget target, DeltaCatalog.SignedManifest signed) {
    SlotLayout slot = target.capabilities().slot();
    InPlaceKey key = new InPlaceKey(jobId, target.deviceVersion(), slot.size(), slot.segment());
    byte[] bytes = buildOnce(inPlace, key, () -> buildInPlace(jobId, target, slot));
    return patchPlan(
        ArtifactKind.DELTA_IN_PLACE,
        Objects.requireNonNullElse(target.deviceVersion(), "unknown"),
        bytes,
        target,
        signed,
        null);
  }

  /**
   * A direct patch from the version the device runs to the target, built on the first request for
   * its job, version and decoding capabilities and kept for the next devices (the devices that ask
   * meanwhile wait for it); empty when the product has no build of that version, the differ finds
   * no delta worth shipping, or the build fails (the device then gets the chain or the image).
   */
  private Optional<byte[]> direct(UUID jobId, UpdateTarget target) {
    Optional<String> oldKey = deltas.imageKey(jobId, target.deviceVersion());
    if (oldKey.isEmpty()) {
      return Optional.empty();
    }
    DirectKey key =
        new DirectKey(
            jobId,
            target.deviceVersion(),
            target.capabilities().deltaFilters(),
            target.capabilities().deltaCodecs());
    try {
      return buildOnce(directs, key, () -> buildDirect(jobId, target, oldKey.get()));
    } catch (RuntimeException e) {
      // Reading the images failed (the store, or a build gone from it): this device gets the chain
      // or the image, and the next device on the version tries the build again.
      log.warn(
          "building a patch on demand failed job={} from={} error={}",
          jobId,
          target.deviceVersion(),
          e.toString());
      return Optional.empty();
    }
  }

  /**
   * The value built for {@code key}: built once, outside the lock, by the first caller (again after
   * a build that failed); the callers that ask meanwhile wait for it. The cache is emptied when it
   * holds {@link #MAX_CHAINS} entries (each is as large as a patch).
   */
  private static <K, V> V buildOnce(Map<K, CompletableFuture<V>> cache, K key, Supplier<V> build) {
    CompletableFuture<V> built;
    boolean mine = false;
    synchronized (cache) {
      built = cache.get(key);
      if (built == null || built.isCompletedExceptionally()) {
        if (cache.size() >= MAX_CHAINS) {
          cache.clear();
        }
        built = new CompletableFuture<>();
        cache.put(key, built);
        mine = true;
      }
    }
    if (mine) {
      try {
        built.complete(build.get());
      } catch (RuntimeException e) {
        built.completeExceptionally(e);
      }
    }
    try {
      return built.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  /**
   * Builds and checks the direct patch. The images are read first; a failure to read them is
   * thrown, so the build is tried again for the next device. What follows depends only on the
   * images, so a patch that cannot be made or does not rebuild the target is remembered as none
   * (empty) rather than tried again for every device.
   */
  private Optional<byte[]> buildDirect(UUID jobId, UpdateTarget target, String oldKey) {
    byte[] old = artifacts.get(oldKey);
    byte[] neu = artifacts.get(target.storageKey());
    DeviceCapabilities caps = target.capabilities();
    DiffOptions options = onDemand;
    if (!caps.decodesCodec("LZMA")) {
      options = options.withCodec(DiffOptions.Codec.ZSTD);
    }
    // An ABS32 table only for an applier that names it (docs/delta-format.md, section 3.1).
    options = options.withAbs32(caps.decodesFilter(DeltaApplier.ABS32));
    // Filter regions likewise (section 3.2).
    options = options.withRegions(caps.decodesFilter(DeltaApplier.REGIONS));
    DiffResult r;
    byte[] patch;
    try {
      r = DeltaDiffer.diff(old, neu, options);
      if (r.useDelta() && !caps.decodesFilter(r.branchFilter())) {
        // The device's applier does not know the filter the differ chose: no filter, which every
        // applier decodes.
        r = DeltaDiffer.diff(old, neu, options.withFilter(DiffOptions.Filter.NONE));
      }
      if (!r.useDelta()) {
        return Optional.empty();
      }
      patch = r.patch();
      ApplyResult applied;
      try (SeekableSource from = SeekableSource.of(old);
          SeekableSource source = SeekableSource.of(patch)) {
        applied = DeltaApplier.apply(from, source, OutputStream.nullOutputStream());
      }
      if (!applied.newSha256Hex().equals(target.sha256()) || applied.newSize() != neu.length) {
        throw new IOException("it does not rebuild the target image");
      }
    } catch (IOException | RuntimeException e) {
      log.warn(
          "no patch built on demand job={} from={} error={}",
          jobId,
          target.deviceVersion(),
          e.toString());
      return Optional.empty();
    }
    log.info(
        "patch built on demand job={} from={} filter={} codec={} bytes={} ms={}",
        jobId,
        target.deviceVersion(),
        r.filter(),
        r.codec(),
        patch.length,
        r.elapsed().toMillis());
    return Optional.of(patch);
  }

  private record DirectKey(
      UUID jobId, String fromVersion, List<String> deltaFilters, List<String> deltaCodecs) {}

  /** Direct patches built on demand (or found not worth it), by job, base version and decoders. */
  private final Map<DirectKey, CompletableFuture<Optional<byte[]>>> directs = new HashMap<>();

  /** A plan of patch bytes from {@code fromVersion} to the target, with the target's manifest. */
  private ArtifactPlan patchPlan(
      ArtifactKind kind,
      String fromVersion,
      byte[] bytes,
      UpdateTarget target,
      DeltaCatalog.SignedManifest signed,
      String storageKey) {
    return new ArtifactPlan(
        new Artifact(
            kind,
            fromVersion,
            bytes.length,
            target.sha256(),
            target.capabilities().chunkSize(chunkSize)),
        bytes,
        signed.signature(),
        signed.manifest(),
        storageKey);
  }

  private byte[] buildInPlace(UUID jobId, UpdateTarget target, SlotLayout slot) {
    byte[] neu = artifacts.get(target.storageKey());
    byte[] old =
        deltas.imageKey(jobId, target.deviceVersion()).map(artifacts::get).orElse(new byte[0]);
    InPlaceLayout layout = new InPlaceLayout(slot.size(), slot.segment());
    if (neu.length > layout.memorySize()) {
      throw new Unservable(
          NO_SPACE,
          "the image of "
              + neu.length
              + " bytes does not fit the device's slot of "
              + layout.memorySize()
              + " bytes");
    }
    if (old.length > layout.memorySize()) {
      // The device cannot run an image larger than its slot: the build on record is not its image.
      old = new byte[0];
    }
    InPlaceDiffer.Result patch = InPlaceDiffer.diff(old, neu, layout);
    try {
      InPlaceApplier.check(patch.patch(), old);
    } catch (IOException e) {
      throw new IllegalStateException("an in-place patch failed its own check", e);
    }
    log.info(
        "in-place patch built job={} from={} slot={} segment={} bytes={} shift={} ms={}",
        jobId,
        target.deviceVersion(),
        slot.size(),
        slot.segment(),
        patch.patch().length,
        patch.shift(),
        patch.elapsed().toMillis());
    return patch.patch();
  }

  private record InPlaceKey(UUID jobId, String fromVersion, long slotSize, int segment) {}

  /** In-place patches built, by job, base version and layout (each is as large as a patch). */
  private final Map<InPlaceKey, CompletableFuture<byte[]>> inPlace = new HashMap<>();

  /** How many patches a route to this device may have: none, one, or a chain's worth. */
  static int maxSteps(UpdateTarget target) {
    return DeltaRoutes.maxSteps(
        target.accepts(ArtifactKind.DELTA), target.accepts(ArtifactKind.DELTA_CHAIN));
  }

  private byte[] chain(Route route) {
    List<DeltaChain.Link> links = new ArrayList<>(route.patches().size());
    for (Patch p : route.patches()) {
      links.add(new DeltaChain.Link(p.toVersion(), p.toSha256(), artifacts.get(p.storageKey())));
    }
    return DeltaChain.encode(links);
  }

  /**
   * The smallest patch of each pair of versions among {@code bySize} (smallest first) that the
   * device's applier decodes: a native patch made with a branch filter or codec the device does not
   * name is passed over for another format's patch of the pair, or another route, or the full
   * image.
   */
  static List<Patch> decodable(List<Patch> bySize, UpdateTarget target) {
    return DeltaRoutes.smallestOfEachPair(
        bySize.stream().filter(p -> decodes(target.capabilities(), p)).toList());
  }

  /** Whether a device with {@code capabilities} decodes patch {@code p}'s filter and codec. */
  static boolean decodes(DeviceCapabilities capabilities, Patch p) {
    return capabilities.decodesFilter(p.branchFilter()) && capabilities.decodesCodec(p.codec());
  }

  private record RouteKey(
      UUID jobId,
      String deviceVersion,
      int maxSteps,
      List<String> deltaFilters,
      List<String> deltaCodecs) {}

  private record Cached<V>(V value, long expiresAt) {}

  /** How long the published patches of a job's product, and routes over them, are reused. */
  private static final long DELTA_TTL_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Entries kept before a cache is emptied (each is a few hundred bytes). */
  private static final int MAX_ENTRIES = 10_000;

  /** Encoded chains kept (each is as large as its patches). */
  private static final int MAX_CHAINS = 32;

  private final Map<UUID, Cached<DeltaCatalog.SignedManifest>> manifests =
      new ConcurrentHashMap<>();
  private final Map<UUID, Cached<List<Patch>>> patches = new ConcurrentHashMap<>();
  private final Map<RouteKey, Cached<Optional<Route>>> routes = new ConcurrentHashMap<>();
  private final Map<List<Patch>, Cached<byte[]>> chains = new ConcurrentHashMap<>();

  private static <K, V> V cached(
      Map<K, Cached<V>> cache, K key, long now, long ttlNanos, int maxEntries, Supplier<V> load) {
    Cached<V> hit = cache.get(key);
    if (hit != null && now - hit.expiresAt() < 0) {
      return hit.value();
    }
    V value = load.get();
    if (cache.size() >= maxEntries) {
      cache.clear();
    }
    long expiresAt = ttlNanos == Long.MAX_VALUE ? now + Long.MAX_VALUE / 2 : now + ttlNanos;
    cache.put(key, new Cached<>(value, expiresAt));
    return value;
  }

  /** The full image of the target version, without a signature. */
  public ArtifactPlan plan(UpdateTarget target) {
    byte[] image = artifacts.get(target.storageKey());
    return new ArtifactPlan(
        Artifact.full(image.length, target.sha256(), target.capabilities().chunkSize(chunkSize)),
        image,
        target.storageKey());
  }
}
