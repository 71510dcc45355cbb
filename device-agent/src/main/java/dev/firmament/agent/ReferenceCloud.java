package dev.firmament.agent;

import dev.firmament.protocol.CallError;
import dev.firmament.protocol.CloudCall;
import dev.firmament.protocol.CloudInterface;
import dev.firmament.protocol.CloudReply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The functions and variables of the reference device, answered as a device running them would.
 *
 * <ul>
 *   <li>{@code reboot}: answers 0, then the device drops its connection for its reboot delay and
 *       comes back (the argument is ignored);
 *   <li>{@code led}: {@code on}, {@code off} or {@code toggle}; answers 1 when the LED is then on,
 *       0 when off;
 *   <li>{@code setInterval}: a whole number of seconds from 1 to 86400, the device's reporting
 *       interval; answers it.
 * </ul>
 *
 * Variables: {@code uptime} (int32, seconds since the device last started), {@code temperature}
 * (double, degrees Celsius, a slow swing around a per-device value), {@code version} (string, the
 * running firmware version), {@code ledOn} (bool) and {@code interval} (int32, seconds).
 *
 * <p>A device answers only what it declared ({@link AgentConfig#cloud()}): anything else is {@code
 * UNKNOWN_FUNCTION}/{@code UNKNOWN_VARIABLE}; a declared name this device does not implement, or a
 * variable declared with another type than it has, is {@code FAILED}. Not thread-safe: it runs on
 * the device's serial executor.
 */
public final class ReferenceCloud {

  /** Everything the reference device implements, for a device or a fleet to declare. */
  public static final CloudInterface INTERFACE;

  static {
    Map<String, String> variables = new LinkedHashMap<>();
    variables.put("uptime", "int32");
    variables.put("temperature", "double");
    variables.put("version", "string");
    variables.put("ledOn", "bool");
    variables.put("interval", "int32");
    INTERFACE = new CloudInterface(List.of("reboot", "led", "setInterval"), variables);
  }

  /** What a call asks of the device beyond its answer. */
  enum After {
    NOTHING,
    REBOOT
  }

  /** A call's answer and what the device does once it is sent. */
  record Answer(CloudReply reply, After after) {}

  private final CloudInterface declared;
  private final LongSupplier nanoTime;
  private long startNanos;
  private final double baseTemperature;
  private boolean ledOn;
  private int interval = 60;

  /**
   * @param declared what the device declared; null declares nothing
   * @param seed the device's seed, which sets its temperature
   * @param nanoTime the device's monotonic clock
   */
  ReferenceCloud(CloudInterface declared, long seed, LongSupplier nanoTime) {
    this.declared = declared == null ? CloudInterface.NONE : declared;
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.startNanos = nanoTime.getAsLong();
    this.baseTemperature = 18.0 + Math.floorMod(seed, 80) / 10.0;
  }

  /** Runs a call; {@code version} is the firmware version the device runs now. */
  Answer answer(CloudCall call, String version) {
    return switch (call) {
      case CloudCall.Function function -> run(function);
      case CloudCall.Variable variable -> new Answer(read(variable.name(), version), After.NOTHING);
      case CloudCall.Ping ping -> new Answer(CloudReply.returned(0), After.NOTHING);
    };
  }

  private Answer run(CloudCall.Function call) {
    if (!declared.functions().contains(call.name())) {
      return refused(CallError.UNKNOWN_FUNCTION, "no function " + call.name());
    }
    String argument = call.argument().trim();
    return switch (call.name()) {
      case "reboot" -> new Answer(CloudReply.returned(0), After.REBOOT);
      case "led" ->
          switch (argument) {
            case "on" -> led(true);
            case "off" -> led(false);
            case "toggle" -> led(!ledOn);
            default -> refused(CallError.BAD_ARGUMENT, "led takes on, off or toggle");
          };
      case "setInterval" -> setInterval(argument);
      default -> refused(CallError.FAILED, "this device does not implement " + call.name());
    };
  }

  private Answer led(boolean on) {
    ledOn = on;
    return new Answer(CloudReply.returned(on ? 1 : 0), After.NOTHING);
  }

  /**
   * The reporting interval in seconds, as {@code setInterval} or the {@code config} ledger set it.
   */
  int interval() {
    return interval;
  }

  /**
   * Applies the cloud-to-device ledger {@code config}: its {@code interval} key, a whole number of
   * seconds from 1 to 86400, sets the reporting interval as {@code setInterval} does; a value out
   * of range or of another type is ignored (and said so), the rest of the document too.
   *
   * @return whether the interval changed
   */
  boolean applyConfig(com.fasterxml.jackson.databind.node.ObjectNode config) {
    com.fasterxml.jackson.databind.JsonNode value = config.get("interval");
    if (value == null) {
      return false;
    }
    if (!value.canConvertToInt() || !value.isIntegralNumber()) {
      return false;
    }
    int seconds = value.intValue();
    if (seconds < 1 || seconds > 86_400 || seconds == interval) {
      return false;
    }
    interval = seconds;
    return true;
  }

  private Answer setInterval(String argument) {
    int seconds;
    try {
      seconds = Integer.parseInt(argument);
    } catch (NumberFormatException e) {
      seconds = -1;
    }
    if (seconds < 1 || seconds > 86_400) {
      return refused(CallError.BAD_ARGUMENT, "setInterval takes whole seconds from 1 to 86400");
    }
    interval = seconds;
    return new Answer(CloudReply.returned(seconds), After.NOTHING);
  }

  private CloudReply read(String name, String version) {
    String type = declared.variables().get(name);
    if (type == null) {
      return CloudReply.refused(CallError.UNKNOWN_VARIABLE, "no variable " + name);
    }
    Object value =
        switch (name) {
          case "uptime" -> uptimeSeconds();
          case "temperature" -> temperature();
          case "version" -> version;
          case "ledOn" -> ledOn;
          case "interval" -> interval;
          default -> null;
        };
    if (value == null) {
      return CloudReply.refused(CallError.FAILED, "this device does not implement " + name);
    }
    String actual = typeOf(value);
    if (!actual.equals(type)) {
      return CloudReply.refused(
          CallError.FAILED, name + " is declared " + type + " but this device has a " + actual);
    }
    return CloudReply.value(type, value);
  }

  /** The device started again: its uptime counts from now. */
  void restarted() {
    startNanos = nanoTime.getAsLong();
  }

  int uptimeSeconds() {
    return (int) Math.min(Integer.MAX_VALUE, (nanoTime.getAsLong() - startNanos) / 1_000_000_000L);
  }

  /** The temperature now, as the {@code temperature} variable reads it. */
  double temperatureNow() {
    return temperature();
  }

  private double temperature() {
    double swing = Math.sin(uptimeSeconds() / 600.0);
    return Math.round((baseTemperature + swing) * 10.0) / 10.0;
  }

  private static String typeOf(Object value) {
    return switch (value) {
      case Integer ignored -> "int32";
      case Double ignored -> "double";
      case Boolean ignored -> "bool";
      default -> "string";
    };
  }

  private static Answer refused(CallError code, String message) {
    return new Answer(CloudReply.refused(code, message), After.NOTHING);
  }
}
