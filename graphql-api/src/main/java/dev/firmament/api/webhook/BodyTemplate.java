package dev.firmament.api.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A webhook's body: a JSON document in which string values name an event's fields as {@code
 * {{placeholders}}}, as Particle's webhook templates do. A string that is exactly one placeholder
 * becomes the field's JSON value (a number stays a number, {@code {{data.reading}}} an object); a
 * placeholder inside a longer string is replaced by the field's text. The template is parsed as
 * JSON and filled in as a tree, so an event's data can never change the body's structure. The
 * fields: {@code event}, {@code data} (as the device published it), {@code deviceId}, {@code
 * productId}, {@code publishedAt}, {@code eventId}, {@code source}, {@code ttl}, {@code webhookId},
 * and {@code data.a.b} for a field of data that is a JSON object.
 */
public final class BodyTemplate {
  public static final int MAX_LENGTH = 8192;
  public static final int MAX_PLACEHOLDERS = 10;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.]+)\\s*}}");
  private static final Pattern DATA_PATH = Pattern.compile("data(\\.[A-Za-z0-9_]+){1,8}");
  static final Set<String> FIELDS =
      Set.of(
          "event",
          "data",
          "deviceId",
          "productId",
          "publishedAt",
          "eventId",
          "source",
          "ttl",
          "webhookId");

  private final JsonNode template;

  private BodyTemplate(JsonNode template) {
    this.template = template;
  }

  /**
   * Checks and parses a template.
   *
   * @throws IllegalArgumentException with what is wrong, fit to show the webhook's owner
   */
  public static BodyTemplate parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("a body template is a JSON document");
    }
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "a body template has at most " + MAX_LENGTH + " characters, this one " + text.length());
    }
    JsonNode tree;
    try {
      tree = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "a body template is a JSON document: " + e.getOriginalMessage());
    }
    if (tree == null || tree.isMissingNode()) {
      throw new IllegalArgumentException("a body template is a JSON document");
    }
    int[] count = {0};
    check(tree, count);
    if (count[0] > MAX_PLACEHOLDERS) {
      throw new IllegalArgumentException(
          "a body template has at most "
              + MAX_PLACEHOLDERS
              + " placeholders, this one "
              + count[0]);
    }
    return new BodyTemplate(tree);
  }

  private static void check(JsonNode node, int[] count) {
    if (node.isTextual()) {
      Matcher m = PLACEHOLDER.matcher(node.textValue());
      while (m.find()) {
        String name = m.group(1);
        if (!FIELDS.contains(name) && !DATA_PATH.matcher(name).matches()) {
          throw new IllegalArgumentException(
              "unknown placeholder {{"
                  + name
                  + "}}; known: "
                  + String.join(", ", FIELDS.stream().sorted().toList())
                  + " and data.<field>");
        }
        count[0]++;
      }
    }
    for (JsonNode child : node) {
      check(child, count);
    }
  }

  /** The body for one event: a fresh tree with every placeholder filled in, as compact JSON. */
  public String render(Map<String, JsonNode> fields) {
    JsonNode data = fields.getOrDefault("data", JsonNodeFactory.instance.nullNode());
    JsonNode parsedData = parseObject(data);
    try {
      return JSON.writeValueAsString(fill(template, fields, parsedData));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a filled-in template is JSON", e);
    }
  }

  private static JsonNode fill(JsonNode node, Map<String, JsonNode> fields, JsonNode data) {
    if (node.isTextual()) {
      String text = node.textValue();
      Matcher whole = PLACEHOLDER.matcher(text);
      if (whole.matches()) {
        return value(whole.group(1), fields, data);
      }
      Matcher m = PLACEHOLDER.matcher(text);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        JsonNode value = value(m.group(1), fields, data);
        String replacement =
            value.isNull() ? "" : value.isTextual() ? value.textValue() : value.toString();
        m.appendReplacement(out, Matcher.quoteReplacement(replacement));
      }
      m.appendTail(out);
      return TextNode.valueOf(out.toString());
    }
    if (node.isObject()) {
      ObjectNode copy = JsonNodeFactory.instance.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        copy.set(e.getKey(), fill(e.getValue(), fields, data));
      }
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = JsonNodeFactory.instance.arrayNode();
      node.forEach(child -> copy.add(fill(child, fields, data)));
      return copy;
    }
    return node;
  }

  private static JsonNode value(String name, Map<String, JsonNode> fields, JsonNode data) {
    if (name.startsWith("data.")) {
      JsonNode at = data;
      for (String step : name.substring("data.".length()).split("\\.")) {
        at = at == null ? null : at.get(step);
      }
      return at == null ? JsonNodeFactory.instance.nullNode() : at.deepCopy();
    }
    JsonNode value = fields.get(name);
    return value == null ? JsonNodeFactory.instance.nullNode() : value;
  }

  /** The event's data as a JSON object when it is one, else null. */
  private static JsonNode parseObject(JsonNode data) {
    if (!data.isTextual()) {
      return null;
    }
    try {
      JsonNode parsed = JSON.readTree(data.textValue());
      return parsed != null && parsed.isObject() ? parsed : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** The fields of an event as a template sees them. */
  public static Map<String, JsonNode> fields(
      String event,
      String data,
      String deviceId,
      String productId,
      String publishedAt,
      Long eventId,
      String source,
      Integer ttl,
      String webhookId) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    Map<String, JsonNode> fields = new LinkedHashMap<>();
    fields.put("event", f.textNode(event));
    fields.put("data", data == null ? f.nullNode() : f.textNode(data));
    fields.put("deviceId", deviceId == null ? f.nullNode() : f.textNode(deviceId));
    fields.put("productId", productId == null ? f.nullNode() : f.textNode(productId));
    fields.put("publishedAt", f.textNode(publishedAt));
    fields.put("eventId", eventId == null ? f.nullNode() : f.numberNode(eventId));
    fields.put("source", f.textNode(source));
    fields.put("ttl", ttl == null ? f.nullNode() : f.numberNode(ttl));
    fields.put("webhookId", f.textNode(webhookId));
    return fields;
  }

  /**
   * The standard body, without a template: {@code {"type", "timestamp", "data": {...}}} as the
   * Standard Webhooks specification suggests, the event's fields in {@code data}.
   */
  public static String standard(Map<String, JsonNode> fields) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.set("type", fields.get("event"));
    body.set("timestamp", fields.get("publishedAt"));
    ObjectNode data = body.putObject("data");
    fields.forEach(data::set);
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the standard body is JSON", e);
    }
  }
}
