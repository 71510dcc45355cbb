package dev.firmament.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.regex.Pattern;

/**
 * The rules every ledger name and document follows, on the device and in the cloud alike: one
 * implementation, so that what a device may write is exactly what the cloud stores.
 *
 * <p>A document is a JSON object of at most {@value #MAX_DATA_BYTES} bytes as compact JSON, with
 * keys of 1 to {@value #MAX_KEY_LENGTH} characters. The limit is half the protocol's largest JSON
 * message ({@link ProtocolCodec#MAX_JSON_BYTES}), so that a copy or a write with its envelope
 * always fits one message.
 */
public final class LedgerDocuments {
  public static final int MAX_NAME_LENGTH = 64;
  public static final int MAX_KEY_LENGTH = 64;
  public static final int MAX_DATA_BYTES = 8 * 1024;

  /** Ledgers one sync request may name, per direction. */
  public static final int MAX_SYNC_ENTRIES = 64;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1," + MAX_NAME_LENGTH + "}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private LedgerDocuments() {}

  /** Whether {@code name} may name a ledger: 1 to 64 characters of {@code [A-Za-z0-9_.-]}. */
  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** Throws {@link IllegalArgumentException} naming the field if {@code name} is not valid. */
  public static void requireName(String field, String name) {
    Checks.require(
        isValidName(name),
        field + " must be 1 to " + MAX_NAME_LENGTH + " characters of [A-Za-z0-9_.-], was " + name);
  }

  /**
   * Checks a document and returns its compact JSON.
   *
   * @throws IllegalArgumentException naming the rule it breaks
   */
  public static String requireData(String field, ObjectNode data) {
    Checks.require(data != null, field + " is required");
    for (Iterator<String> keys = data.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      Checks.require(
          !key.isEmpty() && key.length() <= MAX_KEY_LENGTH,
          field + " keys must be 1 to " + MAX_KEY_LENGTH + " characters, was '" + key + "'");
    }
    String json = compact(data);
    int bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    Checks.require(
        bytes <= MAX_DATA_BYTES,
        field + " must be at most " + MAX_DATA_BYTES + " bytes of JSON, was " + bytes);
    return json;
  }

  /**
   * Reads a stored or typed document: a JSON object within the rules.
   *
   * @throws IllegalArgumentException if the text is not a JSON object or breaks a rule
   */
  public static ObjectNode parse(String field, String json) {
    Checks.require(json != null, field + " is required");
    try {
      if (JSON.readTree(json) instanceof ObjectNode object) {
        requireData(field, object);
        return object;
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(field + " is not JSON: " + e.getOriginalMessage(), e);
    }
    throw new IllegalArgumentException(field + " must be a JSON object");
  }

  /** The document as compact JSON. */
  public static String compact(ObjectNode data) {
    try {
      return JSON.writeValueAsString(data);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON object", e);
    }
  }

  /** An empty document. */
  public static ObjectNode empty() {
    return JsonNodeFactory.instance.objectNode();
  }
}
