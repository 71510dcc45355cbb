package dev.firmament.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeftoverPostmasterTest {

  @TempDir Path dir;

  @Test
  void aPostgresOnThisDataDirectoryIsTheLeftoverServer() {
    assertThat(
            LeftoverPostmaster.isPostmasterOf(
                List.of("/tmp/pg/bin/postgres", "-D", dir.toString(), "-p", "5432"), dir))
        .isTrue();
  }

  @Test
  void aPostgresOnAnotherDataDirectoryIsNot() throws Exception {
    Path other = Files.createDirectory(dir.resolve("other"));
    assertThat(
            LeftoverPostmaster.isPostmasterOf(
                List.of("/tmp/pg/bin/postgres", "-D", other.toString()), dir))
        .isFalse();
  }

  @Test
  void anotherProgramThatReusedThePidIsNot() {
    assertThat(
            LeftoverPostmaster.isPostmasterOf(List.of("/usr/bin/java", "-D", dir.toString()), dir))
        .isFalse();
  }

  @Test
  void aPidFileOfADeadProcessIsLeftForPostgresToReplace() throws Exception {
    Process exited = new ProcessBuilder("true").start();
    exited.waitFor();
    Path pidFile = dir.resolve("postmaster.pid");
    Files.writeString(pidFile, exited.pid() + "\n" + dir + "\n0\n5432\n");

    LeftoverPostmaster.stopIfRunning(dir, java.time.Duration.ofSeconds(1));

    assertThat(pidFile).exists();
  }

  @Test
  void aPidFileWhosePidBelongsToAnotherProgramIsRemovedAndTheProgramKeepsRunning()
      throws Exception {
    Process unrelated = new ProcessBuilder("sleep", "60").start();
    try {
      Path pidFile = dir.resolve("postmaster.pid");
      Files.writeString(pidFile, unrelated.pid() + "\n" + dir + "\n0\n5432\n");

      LeftoverPostmaster.stopIfRunning(dir, java.time.Duration.ofSeconds(1));

      assertThat(pidFile).doesNotExist();
      assertThat(unrelated.isAlive()).isTrue();
    } finally {
      unrelated.destroyForcibly();
    }
  }
}
