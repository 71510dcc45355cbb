package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.charset.StandardCharsets;

/**
 * A device's answer to a {@link CloudCall}, published to the call's response topic with its
 * correlation data. Exactly one of three shapes:
 *
 * <ul>
 *   <li>a function's result: {@code {"ok":true,"returnValue":1}} (an int32);
 *   <li>a variable's value: {@code {"ok":true,"type":"double","value":21.5}}, the value of the
 *       declared type ({@code int32}: an integer in the int32 range; {@code double}: a number;
 *       {@code string}: at most {@value #MAX_STRING_BYTES} UTF-8 bytes; {@code bool}: true or
 *       false);
 *   <li>a refusal: {@code {"ok":false,"code":"UNKNOWN_FUNCTION","message":"..."}}.
 * </ul>
 *
 * @param ok whether the call ran
 * @param returnValue a function's result
 * @param type a variable's type, one of {@link CloudInterface#VARIABLE_TYPES}
 * @param value a variable's value: an Integer, a Double, a String or a Boolean, as its type says
 * @param code why it did not run
 * @param message what the device says about it; optional, at most 256 characters
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CloudReply(
    boolean ok, Integer returnValue, String type, Object value, CallError code, String message) {

  /** Largest string variable, in UTF-8 bytes. */
  public static final int MAX_STRING_BYTES = 1024;

  /** Longest refusal message. */
  public static final int MAX_MESSAGE_LENGTH = 256;

  public CloudReply {
    if (ok) {
      Checks.require(code == null && message == null, "a reply that ran has no code or message");
      if (returnValue != null) {
        Checks.require(
            type == null && value == null, "a function's reply has no variable type or value");
      } else {
        Checks.require(type != null, "a reply that ran has a returnValue or a type and value");
        value = checkValue(type, value);
      }
    } else {
      Checks.require(code != null, "a refusal has a code");
      Checks.require(
          returnValue == null && type == null && value == null, "a refusal carries no result");
      Checks.require(
          message == null || message.length() <= MAX_MESSAGE_LENGTH,
          "message must be at most " + MAX_MESSAGE_LENGTH + " characters");
    }
  }

  /** A function's result. */
  public static CloudReply returned(int returnValue) {
    return new CloudReply(true, returnValue, null, null, null, null);
  }

  /** A variable's value, of its declared type. */
  public static CloudReply value(String type, Object value) {
    return new CloudReply(true, null, type, value, null, null);
  }

  /** A refusal. */
  public static CloudReply refused(CallError code, String message) {
    return new CloudReply(false, null, null, null, code, message);
  }

  private static Object checkValue(String type, Object value) {
    Checks.require(
        CloudInterface.VARIABLE_TYPES.contains(type),
        "type must be one of int32, double, string, bool, was " + type);
    Checks.require(value != null, "a variable's reply has a value");
    return switch (type) {
      case "int32" -> {
        Checks.require(
            value instanceof Integer, "an int32 value must be an integer in the int32 range");
        yield value;
      }
      case "double" -> {
        Checks.require(
            value instanceof Number number && Double.isFinite(number.doubleValue()),
            "a double value must be a finite number");
        yield ((Number) value).doubleValue();
      }
      case "string" -> {
        Checks.require(value instanceof String, "a string value must be a string");
        int bytes = ((String) value).getBytes(StandardCharsets.UTF_8).length;
        Checks.require(
            bytes <= MAX_STRING_BYTES,
            "a string value must be at most " + MAX_STRING_BYTES + " UTF-8 bytes, was " + bytes);
        yield value;
      }
      default -> {
        Checks.require(value instanceof Boolean, "a bool value must be true or false");
        yield value;
      }
    };
  }
}
