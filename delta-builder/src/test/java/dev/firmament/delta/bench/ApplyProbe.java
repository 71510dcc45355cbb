package dev.firmament.delta.bench;

import dev.firmament.delta.ApplyResult;
import dev.firmament.delta.DeltaApplier;
import dev.firmament.delta.io.SeekableSource;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Applies one patch file to files, for peak-memory measurement in a separate small JVM. Prints
 * {@code bufferBytes newSize}.
 */
public final class ApplyProbe {
  private ApplyProbe() {}

  public static void main(String[] args) throws Exception {
    try (SeekableSource old = SeekableSource.open(Path.of(args[0]));
        SeekableSource patch = SeekableSource.open(Path.of(args[1]));
        OutputStream out =
            new BufferedOutputStream(Files.newOutputStream(Path.of(args[2])), 1 << 16)) {
      ApplyResult r = DeltaApplier.apply(old, patch, out);
      System.out.println(r.bufferBytes() + " " + r.newSize());
    }
  }
}
