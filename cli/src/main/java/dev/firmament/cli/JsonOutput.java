package dev.firmament.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/** {@code --json} output: one JSON document per line, so that scripts can read it line by line. */
final class JsonOutput {
  static final ObjectMapper JSON = new ObjectMapper();

  private JsonOutput() {}

  static void print(PrintStream out, JsonNode node) {
    try {
      out.println(JSON.writeValueAsString(node));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A text field, or null when it is missing or null. */
  static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isMissingNode() || value.isNull() ? null : value.asText();
  }
}
