package dev.firmament.cloudcode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed test binaries are what their sources compile to (src/test/wat/build.sh, with the
 * wabt npm package); skipped with a message where node or npm is missing.
 */
class WatSourcesTest {
  @Test
  void theBinariesMatchTheirSources(@TempDir Path dir) throws Exception {
    Path sources = Path.of("src", "test", "wat");
    Assumptions.assumeTrue(
        Commands.run(dir, 30, "node", "--version") == 0
            && Commands.run(dir, 30, "npm", "--version") == 0,
        "skipped: node and npm are needed to compile the sources");
    Assumptions.assumeTrue(
        Commands.run(
                dir, 120, "npm", "install", "--silent", "--no-audit", "--no-fund", "wabt@1.0.39")
            == 0,
        "skipped: the wabt npm package could not be installed");
    Path out = dir.resolve("wasm");
    ProcessBuilder node =
        new ProcessBuilder(
                "node",
                sources.resolve("wat2wasm.js").toAbsolutePath().toString(),
                sources.toAbsolutePath().toString(),
                out.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true);
    node.environment().put("NODE_PATH", dir.resolve("node_modules").toString());
    Process p = node.start();
    String printed = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(printed).isZero();
    List<Path> committed;
    try (Stream<Path> files = Files.list(Path.of("src", "test", "resources", "wasm"))) {
      committed = files.sorted().toList();
    }
    try (Stream<Path> files = Files.list(sources)) {
      assertThat(files.filter(f -> f.toString().endsWith(".wat")).count())
          .isEqualTo(committed.size());
    }
    for (Path binary : committed) {
      assertThat(Files.readAllBytes(out.resolve(binary.getFileName())))
          .as(binary.getFileName() + " is what its source compiles to")
          .isEqualTo(Files.readAllBytes(binary));
    }
  }
}
