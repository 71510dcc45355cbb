package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Device to cloud, on {@code fw/{deviceId}/telemetry}: what a device says about its own health. The
 * {@code type} property tells the kinds apart: {@code "vitals"} or {@code "log"}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Telemetry.Vitals.class, name = "vitals"),
  @JsonSubTypes.Type(value = Telemetry.Logs.class, name = "log")
})
public sealed interface Telemetry permits Telemetry.Vitals, Telemetry.Logs {

  /** Why a device last started. */
  enum ResetReason {
    /** Power was applied. */
    POWER_ON,
    /** The reset pin. */
    PIN_RESET,
    /** The firmware asked for it (a reboot function, a settings change). */
    SOFTWARE,
    /** Booted into a newly installed image. */
    UPDATE,
    /** The watchdog fired: the firmware hung. */
    WATCHDOG,
    /** The firmware crashed (a panic, a hard fault). */
    PANIC,
    /** The supply dropped below the brown-out level. */
    BROWNOUT,
    /** The device could not tell. */
    UNKNOWN;

    /** Resets that mean the firmware or the hardware misbehaved, not that someone asked. */
    public static final Set<ResetReason> ABNORMAL = Set.of(WATCHDOG, PANIC, BROWNOUT, UNKNOWN);

    /** Whether this reset means the firmware or the hardware misbehaved. */
    public boolean abnormal() {
      return ABNORMAL.contains(this);
    }
  }

  /**
   * A device's vitals, sent every so often and once right after each boot.
   *
   * @param uptime seconds since the device started, 0 to {@value #MAX_UPTIME}
   * @param resetReason why the device last started; sent in the first report after a boot only
   * @param bootCount how many times the device has started, if it counts them (at least 0)
   * @param freeMemory free heap bytes, if known (at least 0, at most {@code totalMemory})
   * @param totalMemory heap bytes in all, if known
   * @param signalStrength the radio's signal in dBm, if it has one (-150 to 0)
   * @param signalQuality the radio's link quality in percent, if it has one (0 to 100)
   * @param diagnostics named counters or gauges the firmware keeps (at most {@value
   *     #MAX_DIAGNOSTICS}, names as event names, finite values), for example {@code
   *     "mqtt.publish_errors": 3}
   * @param at when the device measured them, for a report it kept while offline; absent for one
   *     sent as measured
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Vitals(
      long uptime,
      ResetReason resetReason,
      Long bootCount,
      Long freeMemory,
      Long totalMemory,
      Integer signalStrength,
      Integer signalQuality,
      Map<String, Double> diagnostics,
      Instant at)
      implements Telemetry {
    public static final int MAX_DIAGNOSTICS = 32;

    /** A hundred years, in seconds: more is no device's uptime. */
    public static final long MAX_UPTIME = 3_155_760_000L;

    public Vitals {
      Checks.require(
          uptime >= 0 && uptime <= MAX_UPTIME,
          "uptime must be 0 to " + MAX_UPTIME + " seconds, was " + uptime);
      Checks.require(
          bootCount == null || bootCount >= 0, "bootCount must not be negative, was " + bootCount);
      Checks.require(
          freeMemory == null || freeMemory >= 0,
          "freeMemory must not be negative, was " + freeMemory);
      Checks.require(
          totalMemory == null || totalMemory >= 0,
          "totalMemory must not be negative, was " + totalMemory);
      Checks.require(
          freeMemory == null || totalMemory == null || freeMemory <= totalMemory,
          "freeMemory " + freeMemory + " exceeds totalMemory " + totalMemory);
      Checks.require(
          signalStrength == null || (signalStrength >= -150 && signalStrength <= 0),
          "signalStrength must be -150 to 0 dBm, was " + signalStrength);
      Checks.require(
          signalQuality == null || (signalQuality >= 0 && signalQuality <= 100),
          "signalQuality must be 0 to 100, was " + signalQuality);
      diagnostics = diagnostics == null ? Map.of() : new TreeMap<>(diagnostics);
      Checks.require(
          diagnostics.size() <= MAX_DIAGNOSTICS,
          "at most " + MAX_DIAGNOSTICS + " diagnostics, was " + diagnostics.size());
      for (Map.Entry<String, Double> d : diagnostics.entrySet()) {
        Checks.require(
            d.getKey() != null && NAME.matcher(d.getKey()).matches(),
            "diagnostic names must be 1 to 64 characters of [A-Za-z0-9_.:/-], was " + d.getKey());
        Checks.require(
            d.getValue() != null && Double.isFinite(d.getValue()),
            "diagnostic " + d.getKey() + " must be a finite number, was " + d.getValue());
      }
      diagnostics = java.util.Collections.unmodifiableMap(diagnostics);
    }

    /** Vitals measured now with just an uptime and, after a boot, its reason. */
    public static Vitals of(long uptime, ResetReason resetReason) {
      return new Vitals(uptime, resetReason, null, null, null, null, null, null, null);
    }

    /** Whether the device measured them earlier and sends them late. */
    @JsonIgnore
    public boolean isBackfill() {
      return at != null;
    }
  }

  /** How much a log line matters. */
  enum Level {
    ERROR,
    WARN,
    INFO,
    DEBUG,
    TRACE
  }

  /**
   * One line of a device's log.
   *
   * @param at when the device wrote it (its own clock)
   * @param level how much it matters
   * @param message at most {@value #MAX_MESSAGE_BYTES} UTF-8 bytes, not blank
   */
  record LogLine(Instant at, Level level, String message) {
    public static final int MAX_MESSAGE_BYTES = 512;

    public LogLine {
      Checks.require(at != null, "at is required");
      Checks.require(level != null, "level is required");
      Checks.require(message != null && !message.isBlank(), "message is required");
      int bytes = message.getBytes(StandardCharsets.UTF_8).length;
      Checks.require(
          bytes <= MAX_MESSAGE_BYTES,
          "message must be at most " + MAX_MESSAGE_BYTES + " UTF-8 bytes, was " + bytes);
    }
  }

  /**
   * Log lines, oldest first: sent as written, or kept while offline and sent on reconnect.
   *
   * @param lines 1 to {@value #MAX_LINES}
   */
  record Logs(List<LogLine> lines) implements Telemetry {
    public static final int MAX_LINES = 20;

    public Logs {
      Checks.require(
          lines != null && !lines.isEmpty() && lines.size() <= MAX_LINES,
          "lines must hold 1 to " + MAX_LINES + " lines");
      for (LogLine line : lines) {
        Checks.require(line != null, "a log line is null");
      }
      lines = List.copyOf(lines);
    }
  }

  /** Names of diagnostics: as event names. */
  Pattern NAME = Pattern.compile("[A-Za-z0-9_.:/-]{1,64}");
}
