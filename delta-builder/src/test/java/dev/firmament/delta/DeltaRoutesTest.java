package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.delta.DeltaRoutes.Patch;
import dev.firmament.delta.DeltaRoutes.Route;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The cheapest route over published patches, counting a chain's header. */
class DeltaRoutesTest {

  private static Patch patch(String from, String to, long size) {
    return new Patch(from, to, "0".repeat(64), "delta/" + from + "-" + to, size, "f".repeat(64));
  }

  /** A route's steps as "from>to" strings. */
  private static List<String> steps(Optional<Route> route) {
    return route.orElseThrow().patches().stream()
        .map(p -> p.fromVersion() + ">" + p.toVersion())
        .toList();
  }

  /** What a chain of steps producing versions of {@code versionLength} characters adds. */
  private static long overhead(int steps, int versionLength) {
    return DeltaRoutes.CHAIN_HEADER + steps * (DeltaRoutes.STEP_HEADER + (long) versionLength);
  }

  @Test
  void aDirectPatchCostsItsOwnSize() {
    Optional<Route> route =
        DeltaRoutes.cheapest(List.of(patch("1", "3", 500), patch("1", "2", 10)), "1", "3", 8);

    assertThat(steps(route)).containsExactly("1>3");
    assertThat(route.orElseThrow().bytes()).isEqualTo(500);
    assertThat(route.orElseThrow().isChain()).isFalse();
  }

  @Test
  void aChainWinsWhenItsPatchesAndHeaderCostLess() {
    List<Patch> patches = List.of(patch("1", "3", 500), patch("1", "2", 100), patch("2", "3", 100));

    Optional<Route> route = DeltaRoutes.cheapest(patches, "1", "3", 8);

    assertThat(steps(route)).containsExactly("1>2", "2>3");
    assertThat(route.orElseThrow().isChain()).isTrue();
    assertThat(route.orElseThrow().bytes()).isEqualTo(200 + overhead(2, 1));
    assertThat(route.orElseThrow().bytes())
        .isEqualTo(DeltaRoutes.chainBytes(route.orElseThrow().patches()));
  }

  @Test
  void theChainsHeaderCanMakeTheDirectPatchCheaper() {
    // 2 x 100 bytes of patches is less than 240, but not with the chain's header.
    long header = overhead(2, 1);
    List<Patch> patches =
        List.of(patch("1", "3", 200 + header), patch("1", "2", 100), patch("2", "3", 100));
    assertThat(steps(DeltaRoutes.cheapest(patches, "1", "3", 8))).containsExactly("1>3");

    List<Patch> cheaper =
        List.of(patch("1", "3", 200 + header + 1), patch("1", "2", 100), patch("2", "3", 100));
    assertThat(steps(DeltaRoutes.cheapest(cheaper, "1", "3", 8))).containsExactly("1>2", "2>3");
  }

  @Test
  void theCheapestOfSeveralChainsIsTakenAndLongerOnesOnlyWhenTheyCostLess() {
    List<Patch> patches =
        List.of(
            patch("1", "2", 300),
            patch("2", "5", 300),
            patch("1", "3", 50),
            patch("3", "4", 50),
            patch("4", "5", 50),
            patch("3", "5", 400));

    Optional<Route> route = DeltaRoutes.cheapest(patches, "1", "5", 8);

    assertThat(steps(route)).containsExactly("1>3", "3>4", "4>5");
    assertThat(route.orElseThrow().bytes()).isEqualTo(150 + overhead(3, 1));
  }

  @Test
  void ofTwoWaysToTheSameVersionInAsManyStepsTheCheaperIsKeptWhicheverComesFirst() {
    List<Patch> dearFirst =
        List.of(
            patch("1", "2", 300), patch("1", "3", 50), patch("2", "4", 300), patch("3", "4", 50));
    assertThat(steps(DeltaRoutes.cheapest(dearFirst, "1", "4", 8))).containsExactly("1>3", "3>4");
    assertThat(steps(DeltaRoutes.cheapest(dearFirst.reversed(), "1", "4", 8)))
        .containsExactly("1>3", "3>4");
  }

  @Test
  void ofARouteAndALongerOneThatCostsTheSameTheShorterIsTaken() {
    // 1>2>4 and 1>3>5>4: the longer one's patches are smaller by exactly its extra header.
    long step = DeltaRoutes.STEP_HEADER + 1;
    List<Patch> patches =
        List.of(
            patch("1", "2", 100),
            patch("2", "4", 100),
            patch("1", "3", 60),
            patch("3", "5", 60),
            patch("5", "4", 80 - step));
    assertThat(steps(DeltaRoutes.cheapest(patches, "1", "4", 8))).containsExactly("1>2", "2>4");
  }

  @Test
  void routesAreAtMostMaxStepsLong() {
    List<Patch> line =
        List.of(
            patch("1", "2", 10), patch("2", "3", 10), patch("3", "4", 10), patch("1", "4", 5_000));

    assertThat(steps(DeltaRoutes.cheapest(line, "1", "4", 3))).containsExactly("1>2", "2>3", "3>4");
    assertThat(steps(DeltaRoutes.cheapest(line, "1", "4", 2))).containsExactly("1>4");
    assertThat(steps(DeltaRoutes.cheapest(line, "1", "4", 1))).containsExactly("1>4");
    assertThat(DeltaRoutes.cheapest(line.subList(0, 3), "1", "4", 2)).isEmpty();
    assertThat(DeltaRoutes.cheapest(line, "1", "4", 0)).isEmpty();
  }

  @Test
  void aCycleNeverMakesARouteCheaper() {
    List<Patch> patches =
        List.of(
            patch("1", "2", 10), patch("2", "1", 1), patch("2", "3", 10), patch("1", "3", 5_000));

    Optional<Route> route = DeltaRoutes.cheapest(patches, "1", "3", 8);

    assertThat(steps(route)).containsExactly("1>2", "2>3");
  }

  @Test
  void nothingLeadsFromAnUnknownOrTheSameVersionOrNone() {
    List<Patch> patches = List.of(patch("1", "2", 10));

    assertThat(DeltaRoutes.cheapest(patches, "9", "2", 8)).isEmpty();
    assertThat(DeltaRoutes.cheapest(patches, "2", "2", 8)).isEmpty();
    assertThat(DeltaRoutes.cheapest(patches, null, "2", 8)).isEmpty();
    assertThat(DeltaRoutes.cheapest(List.of(), "1", "2", 8)).isEmpty();
  }

  @Test
  void longerVersionNamesCostMoreHeader() {
    Patch a = patch("1.0.0", "1.1.0", 100);
    Patch b = patch("1.1.0", "1.2.0-beta.1", 100);

    assertThat(DeltaRoutes.chainBytes(List.of(a, b)))
        .isEqualTo(DeltaRoutes.CHAIN_HEADER + 2 * DeltaRoutes.STEP_HEADER + 5 + 12 + 200);
    assertThat(
            DeltaRoutes.cheapest(List.of(a, b), "1.0.0", "1.2.0-beta.1", 8).orElseThrow().bytes())
        .isEqualTo(DeltaRoutes.chainBytes(List.of(a, b)));
  }

  @Test
  void aChainCostsExactlyWhatItsEncodingTakes() {
    List<Patch> patches = List.of(patch("1.0.0", "1.1.0", 300), patch("1.1.0", "1.2.0-rc.1", 70));
    byte[] encoded =
        DeltaChain.encode(
            patches.stream()
                .map(
                    p -> new DeltaChain.Link(p.toVersion(), p.toSha256(), new byte[(int) p.size()]))
                .toList());
    assertThat(DeltaRoutes.chainBytes(patches)).isEqualTo(encoded.length);
    assertThat(DeltaRoutes.cheapest(patches, "1.0.0", "1.2.0-rc.1", 8).orElseThrow().bytes())
        .isEqualTo(encoded.length);
  }

  @Test
  void aDeviceTakesNoPatchOneOrAChainsWorth() {
    assertThat(DeltaRoutes.maxSteps(false, false)).isZero();
    assertThat(DeltaRoutes.maxSteps(false, true)).isZero();
    assertThat(DeltaRoutes.maxSteps(true, false)).isEqualTo(1);
    assertThat(DeltaRoutes.maxSteps(true, true)).isEqualTo(DeltaChain.MAX_STEPS);
  }

  @Test
  void eachPairKeepsItsSmallestPatch() {
    Patch small = patch("1", "2", 10);
    Patch other = patch("2", "3", 40);
    List<Patch> bySize = List.of(small, patch("1", "2", 20), other, patch("2", "3", 50));
    assertThat(DeltaRoutes.smallestOfEachPair(bySize)).containsExactly(small, other);
    assertThat(DeltaRoutes.smallestOfEachPair(List.of())).isEmpty();
  }
}
