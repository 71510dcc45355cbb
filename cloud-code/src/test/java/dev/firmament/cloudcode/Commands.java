package dev.firmament.cloudcode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Tools the tests run when the machine has them (node and npm for WebAssembly and webhooks). */
public final class Commands {
  private Commands() {}

  /**
   * Runs {@code command} in {@code dir}, its output discarded, for at most {@code seconds}: its
   * exit code, or -1 when it could not start or did not end in time.
   */
  public static int run(Path dir, int seconds, String... command) {
    try {
      Process p =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
