package dev.firmament.delta;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cheapest way to a target version over a product's published patches: one patch, or a chain of
 * them (the delta builder's {@code FMCHAIN1} container, which costs a header of its own and a few
 * bytes per step), at most {@code maxSteps} patches long.
 *
 * <p>For each number of steps k from 1 to {@code maxSteps} it finds the cheapest route of exactly k
 * patches (a Bellman-Ford round per step over the patches), then takes the cheapest of them
 * counting the chain's header: a route of one patch is that patch alone. Ties go to the shorter
 * route, since every step costs the device a full apply.
 */
public final class DeltaRoutes {

  /** Bytes of a chain's fixed header ({@link DeltaChain}): its magic and step count. */
  static final int CHAIN_HEADER = DeltaChain.MAGIC.length + 1;

  /** Bytes a step adds to a chain's header besides its version: length byte, hash, length. */
  static final int STEP_HEADER = 1 + 32 + 8;

  private DeltaRoutes() {}

  /**
   * The smallest patch of each pair of versions, from {@code bySize} (smallest first): a pair may
   * have several published patches (one per format), and a route takes the smallest.
   */
  public static List<Patch> smallestOfEachPair(List<Patch> bySize) {
    Map<List<String>, Patch> smallest = new LinkedHashMap<>();
    for (Patch p : bySize) {
      smallest.putIfAbsent(List.of(p.fromVersion(), p.toVersion()), p);
    }
    return List.copyOf(smallest.values());
  }

  /**
   * How many patches a route to a device may have: none for a device that installs no patch, one
   * for a device that installs patches but no chain, else as many as a chain holds.
   */
  public static int maxSteps(boolean installsPatches, boolean installsChains) {
    if (!installsPatches) {
      return 0;
    }
    return installsChains ? DeltaChain.MAX_STEPS : 1;
  }

  /**
   * A published patch between two versions of the product.
   *
   * @param toSha256 the SHA-256 (hex) of the image the patch produces
   * @param branchFilter the native patch's branch filter ({@link DiffResult#branchFilter}); null
   *     when not recorded (a BSDIFF40 patch, or one built before filters were recorded)
   * @param codec the native patch's entropy stage ({@link DiffResult#codec}); null when not
   *     recorded (zstd)
   */
  public record Patch(
      String fromVersion,
      String toVersion,
      String toSha256,
      String storageKey,
      long size,
      String sha256,
      String branchFilter,
      String codec) {

    /** A patch whose branch filter and codec are not known (ones every applier decodes). */
    public Patch(
        String fromVersion,
        String toVersion,
        String toSha256,
        String storageKey,
        long size,
        String sha256) {
      this(fromVersion, toVersion, toSha256, storageKey, size, sha256, null, null);
    }
  }

  /** A route of one or more patches, in the order they apply, and the bytes it costs to send. */
  public record Route(List<Patch> patches, long bytes) {
    public Route {
      patches = List.copyOf(patches);
    }

    public boolean isChain() {
      return patches.size() > 1;
    }
  }

  /** The bytes a chain of {@code patches} takes: its header and every patch. */
  static long chainBytes(List<Patch> patches) {
    long bytes = CHAIN_HEADER;
    for (Patch p : patches) {
      bytes += STEP_HEADER + p.toVersion().length() + p.size();
    }
    return bytes;
  }

  /**
   * The cheapest route from {@code fromVersion} to {@code toVersion} over {@code patches}, at most
   * {@code maxSteps} long; empty when there is none (or the versions are the same).
   */
  public static Optional<Route> cheapest(
      List<Patch> patches, String fromVersion, String toVersion, int maxSteps) {
    if (fromVersion == null || fromVersion.equals(toVersion) || maxSteps < 1) {
      return Optional.empty();
    }
    // reach.get(v): the cheapest route of exactly k patches from fromVersion to v, in chain bytes
    // without the fixed header; one round per k.
    Map<String, Reached> reach = Map.of(fromVersion, new Reached(0, null, null));
    Route best = null;
    for (int k = 1; k <= maxSteps && !reach.isEmpty(); k++) {
      Map<String, Reached> next = new HashMap<>();
      for (Patch p : patches) {
        Reached at = reach.get(p.fromVersion());
        if (at == null) {
          continue;
        }
        long cost = at.cost() + STEP_HEADER + p.toVersion().length() + p.size();
        Reached there = next.get(p.toVersion());
        if (there == null || cost < there.cost()) {
          next.put(p.toVersion(), new Reached(cost, p, at));
        }
      }
      Reached arrived = next.get(toVersion);
      if (arrived != null) {
        List<Patch> route = arrived.patches();
        long bytes = k == 1 ? route.getFirst().size() : CHAIN_HEADER + arrived.cost();
        if (best == null || bytes < best.bytes()) {
          best = new Route(route, bytes);
        }
      }
      reach = next;
    }
    return Optional.ofNullable(best);
  }

  /** The cheapest way found to a version: its cost, its last patch and where that patch started. */
  private record Reached(long cost, Patch last, Reached previous) {
    List<Patch> patches() {
      List<Patch> route = new ArrayList<>();
      for (Reached r = this; r.last() != null; r = r.previous()) {
        route.addFirst(r.last());
      }
      return route;
    }
  }
}
