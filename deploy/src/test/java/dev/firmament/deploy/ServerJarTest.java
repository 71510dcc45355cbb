package dev.firmament.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Starts the packaged server jar as the container image does ({@code java -jar}), with nothing
 * configured: it must load (every class it needs is in the jar, which the tests of the modules do
 * not prove, their class paths being larger) and then refuse to start with one line naming the
 * missing settings.
 */
class ServerJarTest {

  static Path serverJar() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(Path::of)
        .filter(p -> p.getFileName().toString().matches("firmament-server.*-exec\\.jar"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the server's exec jar is not on the class path"));
  }

  @Test
  void thePackagedDeltaRoleLoadsAndRefusesToStartWithoutKeys() throws Exception {
    Path jar = serverJar();
    assertThat(jar).isRegularFile();
    Path output = Files.createTempFile("firmament-server", ".log");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder =
        new ProcessBuilder(
                java.toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                jar.toString(),
                "delta")
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    // Only what the build machine sets for the JVM; no Firmament or Spring settings leak in.
    builder
        .environment()
        .keySet()
        .removeIf(k -> k.startsWith("FIRMAMENT_") || k.startsWith("SPRING_"));
    Process process = builder.start();
    try {
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the server exits by itself").isTrue();
    } finally {
      process.destroyForcibly();
    }
    String log = Files.readString(output, StandardCharsets.UTF_8);
    Files.deleteIfExists(output);
    assertThat(log)
        .as("output of java -jar %s delta", jar.getFileName())
        .doesNotContain("NoClassDefFoundError", "ClassNotFoundException")
        .contains("firmament-server delta refuses to start: no release signing key");
    assertThat(process.exitValue()).isNotZero();
    List<String> reason = log.lines().filter(l -> l.contains("refuses to start")).toList();
    assertThat(reason).as("the reason is one line").hasSize(1);
    assertThat(reason.getFirst()).contains("firmament.s3.access-key is not set");
  }
}
