package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.delta.io.SeekableSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our BSDIFF40 output against Debian's C {@code bspatch}, and C {@code bsdiff} output against us.
 */
class BsdiffInteropTest {
  static final Path BSPATCH = Path.of("/usr/bin/bspatch");
  static final Path BSDIFF = Path.of("/usr/bin/bsdiff");

  static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + output).isZero();
  }

  @Test
  void cBspatchAppliesOurPatches(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(BSPATCH), "bspatch not installed");
    for (TestData.Pair p : TestData.samplePairs()) {
      Path old = Files.write(dir.resolve(p.name() + ".old"), p.oldImage());
      byte[] patch = RoundTripTest.diff(p.oldImage(), p.newImage(), PatchFormat.BSDIFF40);
      Path patchFile = Files.write(dir.resolve(p.name() + ".bsdiff"), patch);
      Path out = dir.resolve(p.name() + ".out");
      run(BSPATCH.toString(), old.toString(), out.toString(), patchFile.toString());
      assertThat(Files.readAllBytes(out)).as(p.name()).isEqualTo(p.newImage());
    }
  }

  @Test
  void weApplyCBsdiffPatches(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(BSDIFF), "bsdiff not installed");
    for (TestData.Pair p : TestData.samplePairs()) {
      Path old = Files.write(dir.resolve(p.name() + ".old"), p.oldImage());
      Path neu = Files.write(dir.resolve(p.name() + ".new"), p.newImage());
      Path patchFile = dir.resolve(p.name() + ".bsdiff");
      run(BSDIFF.toString(), old.toString(), neu.toString(), patchFile.toString());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (SeekableSource o = SeekableSource.open(old);
          SeekableSource patch = SeekableSource.open(patchFile)) {
        ApplyResult r = DeltaApplier.apply(o, patch, out);
        assertThat(r.format()).isEqualTo(PatchFormat.BSDIFF40);
      }
      assertThat(out.toByteArray()).as(p.name()).isEqualTo(p.newImage());
      try (var in = Files.newInputStream(patchFile)) {
        assertThat(PatchInfo.read(in).newSize()).isEqualTo(p.newImage().length);
      }
    }
  }
}
