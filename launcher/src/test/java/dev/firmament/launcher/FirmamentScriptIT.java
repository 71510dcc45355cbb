package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command as a user runs it: the {@code firmament} script at the repository's
 * root, which finds a JDK 25 and runs the jar this module just packaged (it rebuilds first only
 * when a source is newer than the jar). Runs after {@code package}, as an integration test.
 */
class FirmamentScriptIT {
  private static final Path SCRIPT = Path.of("..", "firmament").toAbsolutePath().normalize();

  @TempDir Path dataDir;

  @Test
  void helpNamesTheDemo() throws Exception {
    Run help = firmament("help");
    assertThat(help.code()).as(help.output()).isZero();
    assertThat(help.output()).contains("usage: firmament").contains("firmament demo");
  }

  @Test
  void theDemoRunsAStagedRolloutToTheEnd() throws Exception {
    Run demo =
        firmament(
            "demo",
            "--fresh",
            "--exit-when-done",
            "--free-ports",
            "--port",
            "0",
            "--devices",
            "6",
            "--data",
            dataDir.resolve("demo").toString());
    assertThat(demo.code()).as(demo.output()).isZero();
    assertThat(demo.output())
        .as(demo.output())
        .contains("fleet: 6 devices online on 1.0.0")
        .contains("delta: 1.0.0 -> 1.1.0 NATIVE")
        .containsPattern("rollout \\S+ SUCCEEDED: updated 6, already current 0, failed 0");
  }

  @Test
  void anUnknownCommandIsRefusedWithUsage() throws Exception {
    Run wrong = firmament("no-such-command");
    assertThat(wrong.code()).isNotZero();
    assertThat(wrong.output()).contains("no-such-command");
  }

  private record Run(int code, String output) {}

  private Run firmament(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(SCRIPT.toString());
    command.addAll(List.of(args));
    Path log = Files.createTempFile(dataDir, "firmament", ".log");
    Process process =
        new ProcessBuilder(command)
            .directory(SCRIPT.getParent().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!process.waitFor(4, TimeUnit.MINUTES)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor();
      throw new AssertionError(
          "firmament " + String.join(" ", args) + " did not end in 4 minutes:\n" + read(log));
    }
    return new Run(process.exitValue(), read(log));
  }

  private static String read(Path log) throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }
}
