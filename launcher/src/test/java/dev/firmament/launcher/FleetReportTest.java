package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.agent.DeviceFaults;
import dev.firmament.agent.DeviceSnapshot;
import dev.firmament.agent.SlotId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fleet process's report of what its devices did, as the fault campaign reads it. */
class FleetReportTest {
  @TempDir Path dir;

  private static DeviceSnapshot device(String id, String version, int installs, boolean online) {
    return new DeviceSnapshot(
        id, version, SlotId.A, online, null, null, null, 0, 0, installs, DeviceFaults.none(), 0);
  }

  @Test
  void whatIsWrittenIsReadBackDeviceByDevice() throws IOException {
    Path file = dir.resolve("report.tsv");
    FleetReport.write(
        file, List.of(device("chaos-1", "1.1.0", 1, true), device("chaos-2", "1.0.0", 0, false)));

    assertThat(FleetReport.read(file))
        .containsExactly(
            new FleetReport.Device("chaos-1", "1.1.0", 1, true),
            new FleetReport.Device("chaos-2", "1.0.0", 0, false));
    assertThat(Files.exists(dir.resolve("report.tsv.partial"))).isFalse();
  }

  @Test
  void aLaterReportReplacesTheEarlierWhole() throws IOException {
    Path file = dir.resolve("report.tsv");
    FleetReport.write(file, List.of(device("a", "1.0.0", 0, true), device("b", "1.0.0", 0, true)));
    FleetReport.write(file, List.of(device("a", "1.1.0", 2, true)));

    assertThat(FleetReport.read(file))
        .containsExactly(new FleetReport.Device("a", "1.1.0", 2, true));
  }

  @Test
  void aLineThatIsNotADeviceIsAnErrorNamingTheLine() throws IOException {
    for (String bad :
        List.of("a\t1.0.0\t1", "a\t1.0.0\tone\ttrue", "a\t1.0.0\t1\tyes", "\t1.0.0\t1\ttrue")) {
      Path file = dir.resolve("bad.tsv");
      Files.writeString(file, "# header\nok\t1.0.0\t0\ttrue\n" + bad + "\n");
      assertThatThrownBy(() -> FleetReport.read(file))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("line 3");
    }
  }
}
