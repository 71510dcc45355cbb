package dev.firmament.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code firmament products list}: the organization's products, whose ids the others take. */
@Command(
    name = "products",
    aliases = "product",
    description = "List the organization's products.",
    subcommands = ProductsCommand.ListProducts.class)
public final class ProductsCommand extends CommandGroup {

  /** {@code firmament products list}. */
  @Command(
      name = "list",
      description = "List the organization's products by name (scope devices:read).")
  static final class ListProducts implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--name-prefix",
        paramLabel = "TEXT",
        description = "Only products whose name starts with TEXT, ignoring case.")
    String namePrefix;

    @Mixin PageOptions page;
    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the page as JSON: total, hasMore, last, items.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      page.validate(spec);
      GraphqlClient client = api.client(spec);
      Map<String, Object> filter = new LinkedHashMap<>();
      if (namePrefix != null) {
        filter.put("namePrefix", namePrefix);
      }
      ObjectNode result =
          page.fetch(
              spec,
              (from, size) -> {
                Map<String, Object> variables = new LinkedHashMap<>();
                variables.put("filter", filter);
                variables.put("from", from);
                variables.put("size", size);
                return client
                    .execute(
                        "query($filter: ProductFilter, $from: Int, $size: Int) { login {"
                            + " products(filter: $filter, from: $from, size: $size) { total"
                            + " hasMore last items { id slug name createdAt } } } }",
                        variables)
                    .path("login")
                    .path("products");
              });
      Cli cli = Cli.of(spec);
      if (json) {
        JsonOutput.print(cli.out(), result);
        return FirmamentCli.OK;
      }
      Table table = new Table("ID", "SLUG", "NAME", "CREATED");
      for (JsonNode product : result.path("items")) {
        table.row(
            product.path("id").asText(),
            product.path("slug").asText(),
            product.path("name").asText(),
            JsonOutput.text(product, "createdAt"));
      }
      table.print(cli.out());
      PageOptions.footer(cli.out(), result, "products");
      return FirmamentCli.OK;
    }
  }
}
