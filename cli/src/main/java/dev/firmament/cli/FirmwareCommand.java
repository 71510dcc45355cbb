package dev.firmament.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code firmament firmware upload|list|invalidate}. */
@Command(
    name = "firmware",
    description = "Upload, list and invalidate firmware.",
    subcommands = {
      FirmwareUploadCommand.class,
      FirmwareCommand.ListFirmware.class,
      FirmwareCommand.Invalidate.class
    })
public final class FirmwareCommand extends CommandGroup {

  /** {@code firmament firmware list}. */
  @Command(
      name = "list",
      description =
          "List the firmware uploaded to a product (or to every product), newest first, with"
              + " the deltas built towards each version and their sizes (scope devices:read).")
  static final class ListFirmware implements Callable<Integer> {
    private static final String FIRMWARE_PAGE =
        "firmware(from: $from, size: $size) { total hasMore last items { id version title size"
            + " sha256 uploadedAt deltaBuildStatus invalidatedAt invalidReason"
            + " deltas { fromVersion format size status } } }";

    @Spec CommandSpec spec;

    @Option(
        names = "--product",
        paramLabel = "PRODUCT_ID",
        description = "Only this product's; default every product's.")
    String product;

    @Mixin PageOptions page;
    @Mixin ApiOptions api;

    @Option(
        names = "--json",
        description =
            "Print JSON: a list of {product, firmware} with each product's page of firmware"
                + " (total, hasMore, last, items).")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      page.validate(spec);
      GraphqlClient client = api.client(spec);
      List<JsonNode> products = new ArrayList<>();
      if (product != null) {
        JsonNode found =
            client
                .execute("query($id: ID!) { product(id: $id) { id name } }", Map.of("id", product))
                .path("product");
        if (found.isNull() || found.isMissingNode()) {
          Cli.of(spec)
              .err()
              .println("firmament firmware list: no product " + product + " (NOT_FOUND)");
          return FirmamentCli.FAILURE;
        }
        products.add(found);
      } else {
        int from = 0;
        while (true) {
          JsonNode answer =
              client
                  .execute(
                      "query($from: Int) { login { products(from: $from, size: 1000) { hasMore last"
                          + " items { id name } } } }",
                      Map.of("from", from))
                  .path("login")
                  .path("products");
          answer.path("items").forEach(products::add);
          if (!answer.path("hasMore").asBoolean()) {
            break;
          }
          from = answer.path("last").asInt() + 1;
        }
      }
      ArrayNode result = JsonOutput.JSON.createArrayNode();
      for (JsonNode p : products) {
        ObjectNode firmware =
            page.fetch(
                spec,
                (from, size) ->
                    client
                        .execute(
                            "query($id: ID!, $from: Int, $size: Int) { product(id: $id) { "
                                + FIRMWARE_PAGE
                                + " } }",
                            Map.of("id", p.path("id").asText(), "from", from, "size", size))
                        .path("product")
                        .path("firmware"));
        ObjectNode entry = result.addObject();
        entry.set("product", p);
        entry.set("firmware", firmware);
      }
      PrintStream out = Cli.of(spec).out();
      if (json) {
        JsonOutput.print(out, result);
        return FirmamentCli.OK;
      }
      Table table =
          new Table("PRODUCT", "VERSION", "ID", "SIZE", "UPLOADED", "DELTA BUILD", "DELTAS");
      int shown = 0;
      int total = 0;
      boolean more = false;
      for (JsonNode entry : result) {
        for (JsonNode f : entry.path("firmware").path("items")) {
          String version = f.path("version").asText();
          if (f.path("invalidatedAt").isTextual()) {
            version += " (invalid)";
          }
          table.row(
              entry.path("product").path("name").asText(),
              version,
              f.path("id").asText(),
              bytes(f.path("size")),
              JsonOutput.text(f, "uploadedAt"),
              JsonOutput.text(f, "deltaBuildStatus"),
              deltas(f.path("deltas")));
        }
        shown += entry.path("firmware").path("items").size();
        total += entry.path("firmware").path("total").asInt();
        more |= entry.path("firmware").path("hasMore").asBoolean();
      }
      table.print(out);
      out.printf("%d of %d firmware version(s)%s%n", shown, total, more ? "; more with --all" : "");
      return FirmamentCli.OK;
    }

    /**
     * Each delta as {@code from VERSION: SIZE STATUS}, most useful first as the API orders them.
     */
    static String deltas(JsonNode deltas) {
      List<String> parts = new ArrayList<>();
      for (JsonNode d : deltas) {
        String size = d.path("size").isNumber() ? bytes(d.path("size")) + " " : "";
        parts.add(
            "from "
                + d.path("fromVersion").asText()
                + ": "
                + size
                + d.path("format").asText().toLowerCase(Locale.ROOT)
                + " "
                + d.path("status").asText());
      }
      return parts.isEmpty() ? null : String.join("; ", parts);
    }

    static String bytes(JsonNode size) {
      return String.format(Locale.ROOT, "%,d B", size.asLong());
    }
  }

  /** {@code firmament firmware invalidate VERSION_OR_ID --reason TEXT}. */
  @Command(
      name = "invalidate",
      description =
          "Mark a firmware invalid: it can no longer be rolled out, and every unfinished rollout"
              + " of it is aborted (scope firmware:write). Name it by its id, or by its version"
              + " with --product.")
  static final class Invalidate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(
        index = "0",
        paramLabel = "VERSION_OR_ID",
        description = "The firmware's id; its version with --product.")
    String firmware;

    @Option(
        names = "--product",
        paramLabel = "PRODUCT_ID",
        description = "The product whose firmware of version VERSION_OR_ID to invalidate.")
    String product;

    @Option(
        names = "--reason",
        paramLabel = "TEXT",
        required = true,
        description = "Why, for the audit log and the firmware's invalidReason.")
    String reason;

    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the firmware and the aborted rollouts as JSON.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      GraphqlClient client = api.client(spec);
      Cli cli = Cli.of(spec);
      String id = firmware;
      if (product != null) {
        id = idOfVersion(client, product, firmware);
        if (id == null) {
          cli.err()
              .println(
                  "firmament firmware invalidate: no firmware "
                      + firmware
                      + " of product "
                      + product
                      + " (NOT_FOUND)");
          return FirmamentCli.FAILURE;
        }
      }
      JsonNode payload =
          client
              .execute(
                  "mutation($input: InvalidateFirmwareInput!) { invalidateFirmware(input: $input)"
                      + " { firmware { id version invalidatedAt invalidReason } abortedJobs { id"
                      + " status } } }",
                  Map.of("input", Map.of("firmwareId", id, "reason", reason)))
              .path("invalidateFirmware");
      if (json) {
        JsonOutput.print(cli.out(), payload);
        return FirmamentCli.OK;
      }
      List<String> aborted = new ArrayList<>();
      payload.path("abortedJobs").forEach(j -> aborted.add(j.path("id").asText()));
      cli.out()
          .printf(
              "invalidated firmware %s (%s)%s%n",
              payload.path("firmware").path("version").asText(),
              payload.path("firmware").path("id").asText(),
              aborted.isEmpty()
                  ? "; no unfinished rollout of it"
                  : "; aborting rollout(s) " + String.join(", ", aborted));
      return FirmamentCli.OK;
    }

    /** The id of the product's firmware with this version; null when it has none. */
    private String idOfVersion(GraphqlClient client, String productId, String version) {
      int from = 0;
      while (true) {
        JsonNode p =
            client
                .execute(
                    "query($id: ID!, $from: Int) { product(id: $id) { firmware(from: $from,"
                        + " size: 1000) { hasMore last items { id version } } } }",
                    Map.of("id", productId, "from", from))
                .path("product");
        if (p.isNull() || p.isMissingNode()) {
          throw new GraphqlClient.GraphqlException("NOT_FOUND", "no product " + productId);
        }
        for (JsonNode f : p.path("firmware").path("items")) {
          if (version.equals(f.path("version").asText())) {
            return f.path("id").asText();
          }
        }
        if (!p.path("firmware").path("hasMore").asBoolean()) {
          return null;
        }
        from = p.path("firmware").path("last").asInt() + 1;
      }
    }
  }
}
