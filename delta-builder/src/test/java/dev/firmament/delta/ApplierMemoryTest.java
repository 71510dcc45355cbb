package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.DiffScript;
import dev.firmament.delta.internal.DiffTransform;
import dev.firmament.delta.io.SeekableSource;
import dev.firmament.manifest.Sha256;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The applier's own buffers do not grow with the image. */
class ApplierMemoryTest {

  static ApplyResult applySynthetic(int size, int chunk) throws IOException {
    Random r = new Random(size);
    byte[] old = TestData.codeLike(r, size);
    byte[] neu = old.clone();
    for (int i = 0; i < 1000; i++) {
      neu[r.nextInt(size)] ^= (byte) (1 + r.nextInt(255));
    }
    // Script built directly (one diff entry covering everything, plus an extra tail): the test is
    // about the applier, so it skips the suffix sort of a large image.
    DiffScript script = new DiffScript();
    script.add(size - 1000, 1000, 0);
    byte[] patch =
        TestData.nativePatch(
            old,
            neu,
            Sha256.digest(old),
            Sha256.digest(neu),
            script,
            BranchFilter.NONE,
            DiffTransform.WORDS,
            1,
            chunk,
            true);
    // Streamed patch, discarding output: only the applier's buffers are live.
    return DeltaApplier.apply(
        SeekableSource.of(old), new ByteArrayInputStream(patch), OutputStream.nullOutputStream());
  }

  @Test
  void buffersAreBoundedAndIndependentOfImageSize() throws IOException {
    int chunk = 256 * 1024;
    ApplyResult small = applySynthetic(1 << 20, chunk);
    ApplyResult large = applySynthetic(32 << 20, chunk);
    assertThat(large.newSize()).isGreaterThan(small.newSize() * 10);
    // Fixed buffers: 4 x 64 KiB plus margins; per-chunk compressed streams are capped by the chunk.
    long fixed = 4L * DeltaApplier.IO_BUFFER + 64;
    long perChunkCap = 2L * (chunk + 64 * 1024);
    assertThat(large.bufferBytes()).isLessThanOrEqualTo(fixed + perChunkCap);
    assertThat(small.bufferBytes()).isLessThanOrEqualTo(fixed + perChunkCap);
    assertThat(large.bufferBytes()).isLessThan(large.newSize() / 20);
  }
}
