package dev.firmament.delta.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeltaCommandTest {
  final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

  int run(String... args) {
    outBytes.reset();
    errBytes.reset();
    return DeltaCommand.run(
        List.of(args),
        new PrintStream(outBytes, true, StandardCharsets.UTF_8),
        new PrintStream(errBytes, true, StandardCharsets.UTF_8));
  }

  String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  static Path samples() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("firmware-samples"))) {
        return p.resolve("firmware-samples");
      }
    }
    throw new IllegalStateException("firmware-samples not found");
  }

  @Test
  void diffApplyInfoBothFormats(@TempDir Path dir) throws Exception {
    Path old = samples().resolve("pyb-movehub.old");
    Path neu = samples().resolve("pyb-movehub.new");
    for (String format : List.of("native", "bsdiff40")) {
      Path patch = dir.resolve("p." + format);
      Path result = dir.resolve("out." + format);
      assertThat(run("diff", old.toString(), neu.toString(), patch.toString(), "--format", format))
          .as(err())
          .isZero();
      assertThat(out()).contains("decision: delta");
      assertThat(run("apply", old.toString(), patch.toString(), result.toString()))
          .as(err())
          .isZero();
      assertThat(Files.readAllBytes(result)).isEqualTo(Files.readAllBytes(neu));
      assertThat(run("info", patch.toString())).isZero();
      assertThat(out()).contains("new size:   102432");
    }
    assertThat(out()).contains("BSDIFF40");
  }

  @Test
  void usageErrorsExitTwo() {
    assertThat(run()).isEqualTo(2);
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(err()).contains("unknown command");
    assertThat(run("diff", "a", "b")).isEqualTo(2);
    assertThat(run("diff", "a", "b", "c", "--format", "zip")).isEqualTo(2);
    assertThat(run("diff", "a", "b", "c", "--format")).isEqualTo(2);
    assertThat(run("apply", "a")).isEqualTo(2);
    assertThat(run("info")).isEqualTo(2);
    assertThat(run("--help")).isZero();
  }

  @Test
  void badInputExitsOneWithoutStackTrace(@TempDir Path dir) throws Exception {
    Path old = samples().resolve("armapp.old");
    Path garbage = Files.write(dir.resolve("garbage"), "hello, not a patch".getBytes());
    Path out = dir.resolve("out.bin");
    assertThat(run("apply", old.toString(), garbage.toString(), out.toString())).isEqualTo(1);
    assertThat(err()).contains("invalid patch").doesNotContain("\tat ");
    assertThat(out).doesNotExist();
    assertThat(run("info", garbage.toString())).isEqualTo(1);
    assertThat(run("apply", dir.resolve("missing").toString(), garbage.toString(), out.toString()))
        .isEqualTo(1);
    assertThat(err()).contains("no such file");
    // Right patch, wrong old image.
    Path patch = dir.resolve("p");
    run("diff", old.toString(), samples().resolve("armapp.new").toString(), patch.toString());
    Path otherOld = samples().resolve("pyb-movehub.old");
    assertThat(run("apply", otherOld.toString(), patch.toString(), out.toString())).isEqualTo(1);
    assertThat(err()).contains("wrong old image");
    assertThat(dir.toFile().list()).noneMatch(n -> n.endsWith(".part"));
  }
}
