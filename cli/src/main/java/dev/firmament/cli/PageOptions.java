package dev.firmament.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.function.BiFunction;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Paging as the API pages every list: {@code --from} (0-based offset) and {@code --size} (at most
 * 1000), or {@code --all}, which follows {@code hasMore} and {@code last} through every page.
 */
final class PageOptions {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--from",
      paramLabel = "N",
      defaultValue = "0",
      description = "The 0-based offset of the first item (default 0).")
  int from;

  @Option(
      names = "--size",
      paramLabel = "N",
      defaultValue = "100",
      description = "Items per page, 1 to 1000 (default 100).")
  int size;

  @Option(names = "--all", description = "Every item from --from on, page after page.")
  boolean all;

  /**
   * The page (or, with {@code --all}, every page) in the API's envelope: {@code total}, {@code
   * hasMore}, {@code last} and {@code items}. {@code page} asks the API for one page by offset and
   * size.
   */
  ObjectNode fetch(CommandSpec spec, BiFunction<Integer, Integer, JsonNode> page) {
    validate(spec);
    ObjectNode result = JSON.createObjectNode();
    ArrayNode items = result.putArray("items");
    int offset = from;
    while (true) {
      JsonNode answer = page.apply(offset, size);
      answer.path("items").forEach(items::add);
      result.put("total", answer.path("total").asInt());
      result.put("hasMore", answer.path("hasMore").asBoolean());
      result.set("last", answer.path("last"));
      if (!all || !answer.path("hasMore").asBoolean() || answer.path("last").isNull()) {
        break;
      }
      offset = answer.path("last").asInt() + 1;
    }
    // Keep the envelope's field order stable: total, hasMore, last, items.
    ObjectNode ordered = JSON.createObjectNode();
    ordered.set("total", result.get("total"));
    ordered.set("hasMore", result.get("hasMore"));
    ordered.set("last", result.get("last"));
    ordered.set("items", items);
    return ordered;
  }

  /** A usage error for an offset or a size the API would refuse; call before asking the API. */
  void validate(CommandSpec spec) {
    Ranges.check(spec, "--from", from, 0, Integer.MAX_VALUE);
    Ranges.check(spec, "--size", size, 1, 1000);
  }

  /** Under a table: how many of how many, and how to get the rest. */
  static void footer(PrintStream out, JsonNode page, String what) {
    int shown = page.path("items").size();
    int total = page.path("total").asInt();
    if (page.path("hasMore").asBoolean()) {
      out.printf(
          "%d of %d %s; more with --from %d, or --all%n",
          shown, total, what, page.path("last").asInt() + 1);
    } else {
      out.printf("%d of %d %s%n", shown, total, what);
    }
  }
}
