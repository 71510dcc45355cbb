package dev.firmament.workers.bench;

import dev.firmament.devstack.EmbeddedTemporal;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedded Temporal server in a JVM of its own, for the benchmark ({@link
 * TemporalServerProcess} starts it): the server keeps every workflow history in memory, so in the
 * benchmark's JVM its heap would be counted as the worker's. It prints its gRPC target on standard
 * output, then answers one command per line on standard input: {@code reset} (collect garbage and
 * reset the heap's peak), {@code usage} (its heap in use and resident memory now, without a
 * collection), {@code memory} (its peak heap since the last reset, its heap after a collection, and
 * the process's peak and current resident memory). It stops when its standard input ends. Every
 * line it prints for the benchmark starts with {@value #PREFIX}.
 */
final class TemporalServerMain {
  static final String PREFIX = "firmament-temporal ";

  private TemporalServerMain() {}

  public static void main(String[] args) throws IOException {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0)) {
      reply("target " + temporal.target());
      BufferedReader commands =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String command;
      while ((command = commands.readLine()) != null) {
        switch (command.strip()) {
          case "reset" -> reply("reset heapUsed=" + resetPeakHeap());
          case "usage" ->
              reply("usage heapUsed=%d vmRss=%d".formatted(heapUsed(), procStatus("VmRSS")));
          case "memory" -> {
            // The peak first: the collection that measures what the histories hold comes after.
            long peak = peakHeap();
            System.gc();
            reply(
                "memory peakHeap=%d heapAfterGc=%d vmHwm=%d vmRss=%d"
                    .formatted(peak, heapUsed(), procStatus("VmHWM"), procStatus("VmRSS")));
          }
          default -> reply("unknown " + command);
        }
      }
    }
  }

  private static void reply(String line) {
    System.out.println(PREFIX + line);
    System.out.flush();
  }

  private static long resetPeakHeap() {
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
    return heapUsed();
  }

  private static long heapUsed() {
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        used += pool.getUsage().getUsed();
      }
    }
    return used;
  }

  private static long peakHeap() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  /** A size in bytes from Linux's {@code /proc/self/status} ("VmHWM: 123 kB"), or -1. */
  private static long procStatus(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) {
          String kilobytes = line.substring(field.length() + 1).strip().split("\\s+")[0];
          return Long.parseLong(kilobytes) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or no procfs: the figure is reported as unknown.
    }
    return -1;
  }
}
