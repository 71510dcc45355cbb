package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.delta.inplace.InPlaceDiffer;
import dev.firmament.delta.inplace.InPlaceLayout;
import dev.firmament.delta.internal.BranchFilter;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Espressif's flasher stubs kept in {@code firmware-samples/esp} (esptool-js 0.5.0 to 0.5.4, real
 * code): Xtensa with windowed calls (ESP32, ESP32-S3), Xtensa with the call0 ABI (ESP8266) and
 * RISC-V (ESP32-C3). Each gets its instruction set's filter and round-trips in both modes.
 */
class EspStubsTest {
  private static final Map<String, BranchFilter> FILTERS =
      Map.of(
          "esp-stub-32", BranchFilter.XTENSA,
          "esp-stub-32s3", BranchFilter.XTENSA,
          "esp-stub-32c3", BranchFilter.RISCV,
          "esp-stub-8266", BranchFilter.NONE);

  private static List<TestData.Pair> stubs() throws IOException {
    return TestData.pairsIn(TestData.samplesDir().resolve("esp"));
  }

  @Test
  void eachStubGetsItsInstructionSetsFilter() throws IOException {
    assertThat(stubs())
        .extracting(TestData.Pair::name)
        .containsExactlyInAnyOrderElementsOf(FILTERS.keySet());
    for (TestData.Pair p : stubs()) {
      BranchFilter want = FILTERS.get(p.name());
      assertThat(BranchFilter.likelyFor(p.oldImage())).as(p.name() + " old").isEqualTo(want);
      assertThat(BranchFilter.likelyFor(p.newImage())).as(p.name() + " new").isEqualTo(want);
    }
  }

  /**
   * The differ's default patches (LZMA, with the zstd companion) round-trip; on the windowed-call
   * stubs the Xtensa filter wins the trial against no filter.
   */
  @Test
  void nativePatchesRoundTrip() throws IOException {
    DiffOptions options = RoundTripTest.ALWAYS.withCodec(DiffOptions.Codec.SMALLEST);
    for (TestData.Pair p : stubs()) {
      DiffResult r = DeltaDiffer.diff(p.oldImage(), p.newImage(), options);
      assertThat(RoundTripTest.apply(p.oldImage(), r.patch())).as(p.name()).isEqualTo(p.newImage());
      assertThat(r.zstdPatch()).as(p.name()).isNotNull();
      assertThat(RoundTripTest.apply(p.oldImage(), r.zstdPatch())).isEqualTo(p.newImage());
      assertThat(r.branchFilter()).as(p.name()).isEqualTo(FILTERS.get(p.name()).name());
    }
  }

  @Test
  void inPlacePatchesRoundTrip() throws IOException {
    for (TestData.Pair p : stubs()) {
      for (int spare : new int[] {0, 64 * 1024}) {
        long slot = InPlaceTest.slotFor(p.oldImage(), p.newImage(), spare);
        byte[] patch =
            InPlaceDiffer.diff(p.oldImage(), p.newImage(), new InPlaceLayout(slot, InPlaceTest.SEG))
                .patch();
        byte[] flash = InPlaceTest.applied(patch, p.oldImage(), slot);
        assertThat(Arrays.copyOf(flash, p.newImage().length))
            .as(p.name() + " spare " + spare)
            .isEqualTo(p.newImage());
      }
    }
  }
}
