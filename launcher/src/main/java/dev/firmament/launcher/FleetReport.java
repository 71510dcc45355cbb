package dev.firmament.launcher;

import dev.firmament.agent.DeviceSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What a fleet process's devices did, as a file another process reads: one line per device with its
 * id, running version, installs and whether it is connected, tab-separated. {@code firmament fleet
 * --report FILE} writes it every ten seconds and when the process is stopped; the fault campaign
 * reads it to compare the devices' installs with what PostgreSQL counts.
 */
final class FleetReport {
  /** One device in the report. */
  record Device(String deviceId, String version, int installs, boolean connected) {}

  private static final String HEADER = "# deviceId\tversion\tinstalls\tconnected";

  private FleetReport() {}

  /** Writes the devices' state to {@code file}, replacing it whole (a reader never sees half). */
  static synchronized void write(Path file, List<DeviceSnapshot> devices) {
    StringBuilder text = new StringBuilder(HEADER).append('\n');
    for (DeviceSnapshot d : devices) {
      text.append(d.deviceId())
          .append('\t')
          .append(d.currentVersion())
          .append('\t')
          .append(d.installs())
          .append('\t')
          .append(d.connected())
          .append('\n');
    }
    try {
      Path partial = file.resolveSibling(file.getFileName() + ".partial");
      Files.writeString(partial, text, StandardCharsets.UTF_8);
      Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the fleet report " + file, e);
    }
  }

  /** Reads a report; a line that is not one device's four fields is an error naming the line. */
  static List<Device> read(Path file) throws IOException {
    List<Device> devices = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split("\t", -1);
      try {
        if (fields.length != 4
            || !("true".equals(fields[3]) || "false".equals(fields[3]))
            || fields[0].isEmpty()) {
          throw new IllegalArgumentException("expected four fields");
        }
        devices.add(
            new Device(
                fields[0],
                fields[1],
                Integer.parseInt(fields[2]),
                Boolean.parseBoolean(fields[3])));
      } catch (IllegalArgumentException e) {
        throw new IOException(
            file + " line " + (i + 1) + " is not a device (" + e.getMessage() + "): " + line, e);
      }
    }
    return devices;
  }
}
