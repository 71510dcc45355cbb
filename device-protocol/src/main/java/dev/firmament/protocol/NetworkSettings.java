package dev.firmament.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules of a private network's configuration (docs/connectivity.md, "Networks"), on the device
 * and in the cloud alike: one implementation, so that what the API accepts is what a device checks.
 *
 * <p>A configuration is a JSON object of at most {@value #MAX_SETTINGS_BYTES} bytes of compact JSON
 * whose keys are the settings of the network's kind, and nothing else (a misspelt key is refused,
 * not ignored):
 *
 * <ul>
 *   <li>{@code MESH}: {@code channel} (IEEE 802.15.4 channel, 11 to 26) and {@code panId} (0 to
 *       65534; 65535 is the broadcast PAN), both required.
 *   <li>{@code VLAN}: {@code vlanId} (IEEE 802.1Q, 1 to 4094; 0 and 4095 are reserved), required;
 *       {@code priority} (the 802.1p class, 0 to 7), optional.
 *   <li>{@code PRIVATE_APN}: {@code apn} (3GPP TS 23.003: dot-separated labels of letters, digits
 *       and hyphens, at most 100 characters), required; {@code authentication} ({@code NONE},
 *       {@code PAP} or {@code CHAP}) and {@code username} (1 to 64 printable characters), optional.
 *       No password: the document is shown to every reader of the network, so secrets do not belong
 *       in it.
 * </ul>
 */
public final class NetworkSettings {
  /** Compact JSON bytes of a configuration: a quarter of the protocol's largest JSON message. */
  public static final int MAX_SETTINGS_BYTES = 4 * 1024;

  public static final Set<String> KINDS = Set.of("MESH", "VLAN", "PRIVATE_APN");
  public static final Set<String> ROLES = Set.of("GATEWAY", "NODE");

  /** Longest network id on the wire (the API's are UUIDs). */
  public static final int MAX_NETWORK_ID_LENGTH = 64;

  static final int MAX_APN_LENGTH = 100;
  static final int MAX_USERNAME_LENGTH = 64;

  private static final Map<String, List<String>> KEYS =
      Map.of(
          "MESH", List.of("channel", "panId"),
          "VLAN", List.of("vlanId", "priority"),
          "PRIVATE_APN", List.of("apn", "authentication", "username"));
  private static final Pattern APN_LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?");
  private static final Pattern NETWORK_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private NetworkSettings() {}

  /** Whether {@code id} may name a network on the wire: 1 to 64 of {@code [A-Za-z0-9-]}. */
  public static boolean isValidNetworkId(String id) {
    return id != null && NETWORK_ID.matcher(id).matches();
  }

  /**
   * What is wrong with {@code settings} for a network of {@code kind}, or null when nothing is.
   * Only the first problem is named.
   */
  public static String problem(String kind, ObjectNode settings) {
    if (kind == null || !KINDS.contains(kind)) {
      return "the kind is MESH, VLAN or PRIVATE_APN, was " + kind;
    }
    if (settings == null) {
      return "the settings are required";
    }
    int bytes = compact(settings).getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_SETTINGS_BYTES) {
      return "the settings are at most " + MAX_SETTINGS_BYTES + " bytes of JSON, were " + bytes;
    }
    List<String> known = KEYS.get(kind);
    for (Iterator<String> keys = settings.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!known.contains(key)) {
        return "'"
            + clip(key)
            + "' is no setting of a "
            + kind
            + " network; its settings are "
            + String.join(", ", known);
      }
    }
    return switch (kind) {
      case "MESH" ->
          firstOf(
              integer(settings, "channel", 11, 26, true),
              integer(settings, "panId", 0, 65534, true));
      case "VLAN" ->
          firstOf(
              integer(settings, "vlanId", 1, 4094, true),
              integer(settings, "priority", 0, 7, false));
      default ->
          firstOf(
              apnProblem(settings.get("apn")),
              authentication(settings),
              username(settings.get("username")));
    };
  }

  /**
   * Throws {@link IllegalArgumentException} with the problem when {@code settings} break the rules
   * of {@code kind}.
   */
  public static void require(String kind, ObjectNode settings) {
    String problem = problem(kind, settings);
    Checks.require(problem == null, "settings: " + problem);
  }

  /**
   * Reads typed settings: a JSON object, not yet checked against a kind.
   *
   * @throws IllegalArgumentException if the text is not a JSON object
   */
  public static ObjectNode parse(String json) {
    Checks.require(json != null, "the settings are required");
    Checks.require(
        json.length() <= 4 * MAX_SETTINGS_BYTES,
        "the settings are at most " + MAX_SETTINGS_BYTES + " bytes of JSON");
    try {
      if (JSON.readTree(json) instanceof ObjectNode object) {
        return object;
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the settings are not JSON: " + e.getOriginalMessage(), e);
    }
    throw new IllegalArgumentException("the settings must be a JSON object");
  }

  /** The settings as compact JSON. */
  public static String compact(ObjectNode settings) {
    try {
      return JSON.writeValueAsString(settings);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON object", e);
    }
  }

  private static String integer(
      ObjectNode settings, String key, int min, int max, boolean required) {
    JsonNode value = settings.get(key);
    if (value == null || value.isNull()) {
      return required ? key + " is required" : null;
    }
    if (!value.isIntegralNumber()
        || !value.canConvertToInt()
        || value.intValue() < min
        || value.intValue() > max) {
      return key
          + " is a whole number from "
          + min
          + " to "
          + max
          + ", was "
          + clip(value.toString());
    }
    return null;
  }

  static String apnProblem(JsonNode value) {
    if (value == null || value.isNull()) {
      return "apn is required";
    }
    if (!value.isTextual()) {
      return "apn is a text, was " + clip(value.toString());
    }
    String apn = value.textValue();
    if (apn.isEmpty() || apn.length() > MAX_APN_LENGTH) {
      return "apn is 1 to " + MAX_APN_LENGTH + " characters, was " + apn.length();
    }
    for (String label : apn.split("\\.", -1)) {
      if (!APN_LABEL.matcher(label).matches()) {
        return "apn is labels of letters, digits and inner hyphens separated by dots, was '"
            + clip(apn)
            + "'";
      }
    }
    return null;
  }

  private static String authentication(ObjectNode settings) {
    JsonNode value = settings.get("authentication");
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual() || !Set.of("NONE", "PAP", "CHAP").contains(value.textValue())) {
      return "authentication is NONE, PAP or CHAP, was " + clip(value.toString());
    }
    return null;
  }

  private static String username(JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()
        || value.textValue().isEmpty()
        || value.textValue().length() > MAX_USERNAME_LENGTH
        || !value.textValue().chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      return "username is 1 to " + MAX_USERNAME_LENGTH + " printable ASCII characters";
    }
    return null;
  }

  private static String firstOf(String... problems) {
    for (String problem : problems) {
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  private static String clip(String value) {
    return value.length() <= 40 ? value : value.substring(0, 40) + "...";
  }
}
