package dev.firmament.api.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The audit log as JSON lines, one entry or checkpoint per line ({@code "type": "entry"} or {@code
 * "checkpoint"}), the form {@code firmament audit verify} reads back.
 */
public final class AuditExport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AuditExport() {}

  public static String line(AuditEntry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "entry");
    m.put("organizationId", e.organizationId().toString());
    m.put("occurredAt", e.occurredAt().toString());
    m.put("actor", e.actor());
    m.put("action", e.action());
    m.put("target", e.target());
    m.put("details", e.details());
    m.put("chainSeq", e.chainSeq());
    m.put("prevHash", e.prevHash());
    m.put("hash", e.hash());
    return write(m);
  }

  public static String line(AuditCheckpoint c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "checkpoint");
    m.put("organizationId", c.organizationId().toString());
    m.put("chainSeq", c.chainSeq());
    m.put("hash", c.hash());
    m.put("signature", c.signature());
    return write(m);
  }

  /** An export read back: its entries and checkpoints. */
  public record Parsed(List<AuditEntry> entries, List<AuditCheckpoint> checkpoints) {}

  /** Reads an export; a malformed line is an {@link IllegalArgumentException} naming it. */
  public static Parsed parse(List<String> lines) {
    List<AuditEntry> entries = new java.util.ArrayList<>();
    List<AuditCheckpoint> checkpoints = new java.util.ArrayList<>();
    int number = 0;
    for (String line : lines) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      try {
        var node = JSON.readTree(line);
        UUID org = UUID.fromString(node.path("organizationId").asText());
        switch (node.path("type").asText()) {
          case "entry" ->
              entries.add(
                  new AuditEntry(
                      number,
                      org,
                      OffsetDateTime.parse(node.path("occurredAt").asText()),
                      node.path("actor").asText(),
                      node.path("action").asText(),
                      text(node.path("target")),
                      text(node.path("details")),
                      node.path("chainSeq").isNumber() ? node.path("chainSeq").asLong() : null,
                      text(node.path("prevHash")),
                      text(node.path("hash"))));
          case "checkpoint" ->
              checkpoints.add(
                  new AuditCheckpoint(
                      org,
                      node.path("chainSeq").asLong(),
                      node.path("hash").asText(),
                      text(node.path("signature"))));
          default -> throw new IllegalArgumentException("unknown type");
        }
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException("line " + number + " is not an audit export line", e);
      }
    }
    return new Parsed(entries, checkpoints);
  }

  private static String text(com.fasterxml.jackson.databind.JsonNode node) {
    return node.isNull() || node.isMissingNode() ? null : node.asText();
  }

  private static String write(Map<String, Object> m) {
    try {
      return JSON.writeValueAsString(m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
