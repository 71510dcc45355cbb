package dev.firmament.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code firmament devices list}: the organization's devices through the GraphQL API. */
@Command(
    name = "devices",
    description = "List the organization's devices.",
    subcommands = DevicesCommand.ListDevices.class)
final class DevicesCommand extends CommandGroup {

  /** {@code firmament devices list}. */
  @Command(
      name = "list",
      description = "List the organization's devices by name (scope devices:read).")
  static final class ListDevices implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--product", paramLabel = "PRODUCT_ID", description = "Only this product's.")
    String product;

    @Option(names = "--group", paramLabel = "GROUP_ID", description = "Only this group's members.")
    String group;

    @Option(names = "--online", description = "Only devices online now.")
    boolean online;

    @Option(names = "--offline", description = "Only devices offline now.")
    boolean offline;

    @Option(
        names = "--version",
        paramLabel = "VERSION",
        description = "Only devices reporting this firmware version; repeatable.")
    List<String> versions;

    @Mixin PageOptions page;
    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the page as JSON: total, hasMore, last, items.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      if (online && offline) {
        throw new ParameterException(
            spec.commandLine(), "--online and --offline exclude each other");
      }
      Map<String, Object> filter = new LinkedHashMap<>();
      if (product != null) {
        filter.put("productId", product);
      }
      if (group != null) {
        filter.put("groupId", group);
      }
      if (online || offline) {
        filter.put("online", online);
      }
      if (versions != null) {
        filter.put("firmwareVersions", versions);
      }
      page.validate(spec);
      GraphqlClient client = api.client(spec);
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
                        "query($filter: DeviceFilter, $from: Int, $size: Int) { login {"
                            + " devices(filter: $filter, from: $from, size: $size) { total"
                            + " hasMore last items { id name online lastHeard"
                            + " firmwareVersion { version } product { id name }"
                            + " groups { id name } } } } }",
                        variables)
                    .path("login")
                    .path("devices");
              });
      PrintStream out = Cli.of(spec).out();
      if (json) {
        JsonOutput.print(out, result);
        return Firmament.OK;
      }
      Table table = new Table("ID", "NAME", "PRODUCT", "ONLINE", "VERSION", "GROUPS", "LAST HEARD");
      for (JsonNode device : result.path("items")) {
        List<String> groups = new ArrayList<>();
        device.path("groups").forEach(g -> groups.add(g.path("name").asText()));
        table.row(
            device.path("id").asText(),
            device.path("name").asText(),
            device.path("product").path("name").asText(),
            device.path("online").asBoolean() ? "yes" : "no",
            JsonOutput.text(device.path("firmwareVersion"), "version"),
            groups.isEmpty() ? null : String.join(",", groups),
            JsonOutput.text(device, "lastHeard"));
      }
      table.print(out);
      PageOptions.footer(out, result, "devices");
      return Firmament.OK;
    }
  }
}
