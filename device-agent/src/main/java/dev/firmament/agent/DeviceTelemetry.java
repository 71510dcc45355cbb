package dev.firmament.agent;

import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.Telemetry;
import dev.firmament.protocol.Telemetry.Level;
import dev.firmament.protocol.Telemetry.LogLine;
import dev.firmament.protocol.Telemetry.ResetReason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * What a device says about its own health on its telemetry topic: its vitals (uptime, memory,
 * signal, why it last started, how often it started) and its log lines. The first vitals after
 * every start carry the reset reason and are kept until a connection can take them; log lines
 * written while offline are kept (at most {@value #MAX_KEPT_LINES}, the oldest dropped) and sent on
 * reconnect with the time they were written. Confined to the agent's serial executor.
 */
final class DeviceTelemetry {
  static final int MAX_KEPT_LINES = 100;
  private static final long TOTAL_MEMORY = 256 * 1024;

  /** How telemetry leaves the device. */
  interface Link {
    boolean connected();

    CompletableFuture<Void> publish(byte[] payload);

    /**
     * Payload bytes the device sent and received over its connection since it started, the count a
     * modem keeps of its data: reported as the {@value #NETWORK_BYTES} diagnostic.
     */
    long networkBytes();
  }

  /**
   * The diagnostic that carries the device's own count of its network bytes since it started; the
   * platform adds it to the device's SIM usage (docs/connectivity.md, "Data usage").
   */
  static final String NETWORK_BYTES = "net.bytes";

  private final ProtocolCodec codec;
  private final ReferenceCloud cloud;
  private final Link link;
  private final Clock clock;
  private final int signalStrength;
  private final ArrayDeque<LogLine> kept = new ArrayDeque<>();
  private long bootCount = 1;
  private ResetReason pendingReset = ResetReason.POWER_ON;
  private int connections;

  DeviceTelemetry(ProtocolCodec codec, ReferenceCloud cloud, long seed, Link link, Clock clock) {
    this.codec = Objects.requireNonNull(codec, "codec");
    this.cloud = Objects.requireNonNull(cloud, "cloud");
    this.link = Objects.requireNonNull(link, "link");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.signalStrength = -50 - (int) Math.floorMod(seed, 40L);
  }

  /** The device started again, for {@code reason}: a new boot, its uptime from zero. */
  void restarted(ResetReason reason) {
    bootCount++;
    pendingReset = Objects.requireNonNull(reason, "reason");
    connections = 0;
    cloud.restarted();
    log(Level.INFO, "started, reset reason " + reason.name().toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * The device had started {@code earlierStarts} times before this start (a count it kept across
   * restarts); called once, before anything is sent.
   */
  void startedBefore(long earlierStarts) {
    bootCount = Math.max(0, earlierStarts) + 1;
  }

  /** How often the device has started, the first start included. */
  long bootCount() {
    return bootCount;
  }

  /** The vitals as measured now; the first after a start carries its reset reason. */
  Telemetry.Vitals measure() {
    long uptime = cloud.uptimeSeconds();
    long free = (long) (TOTAL_MEMORY * (0.55 + 0.1 * Math.sin(uptime / 300.0)));
    return new Telemetry.Vitals(
        uptime,
        pendingReset,
        bootCount,
        free,
        TOTAL_MEMORY,
        signalStrength,
        Math.max(0, Math.min(100, 2 * (signalStrength + 100))),
        Map.of(
            "cloud.reconnects",
            (double) Math.max(0, connections - 1),
            NETWORK_BYTES,
            (double) link.networkBytes()),
        null);
  }

  /** Publishes the vitals now, if connected. */
  CompletableFuture<Void> sendVitals() {
    if (!link.connected()) {
      return CompletableFuture.completedFuture(null);
    }
    Telemetry.Vitals vitals = measure();
    pendingReset = null;
    return link.publish(codec.encodeTelemetry(vitals));
  }

  /** Writes a log line: sent now if connected, else kept for the next connection. */
  void log(Level level, String message) {
    keep(new LogLine(clock.instant(), level, fit(message)));
    if (link.connected()) {
      flush();
    }
  }

  /** Log lines kept for the next connection. */
  int keptLines() {
    return kept.size();
  }

  /** Connected (again): the vitals of a new start, then what was kept. */
  void onConnected() {
    connections++;
    if (pendingReset != null) {
      sendVitals();
    }
    flush();
  }

  private void keep(LogLine line) {
    if (kept.size() == MAX_KEPT_LINES) {
      kept.removeFirst();
    }
    kept.addLast(line);
  }

  private void flush() {
    while (!kept.isEmpty()) {
      List<LogLine> batch = new ArrayList<>(Telemetry.Logs.MAX_LINES);
      while (!kept.isEmpty() && batch.size() < Telemetry.Logs.MAX_LINES) {
        batch.add(kept.removeFirst());
      }
      link.publish(codec.encodeTelemetry(new Telemetry.Logs(batch)));
    }
  }

  /** The message cut to what a log line may hold, at a character boundary. */
  static String fit(String message) {
    String text = message == null || message.isBlank() ? "(empty)" : message;
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= LogLine.MAX_MESSAGE_BYTES) {
      return text;
    }
    StringBuilder cut = new StringBuilder();
    int used = 0;
    for (int cp : text.codePoints().toArray()) {
      int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (used + size > LogLine.MAX_MESSAGE_BYTES - 3) {
        break;
      }
      cut.appendCodePoint(cp);
      used += size;
    }
    return cut + "...";
  }
}
