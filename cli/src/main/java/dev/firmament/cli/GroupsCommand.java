package dev.firmament.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code firmament groups list|create|add|remove}: a product's device groups (the canaries, a
 * customer's devices), which rollouts and their stages target.
 */
@Command(
    name = "groups",
    aliases = "group",
    description = "List and create a product's device groups, and add or remove their devices.",
    subcommands = {
      GroupsCommand.ListGroups.class,
      GroupsCommand.Create.class,
      GroupsCommand.Add.class,
      GroupsCommand.Remove.class
    })
public final class GroupsCommand extends CommandGroup {

  /** {@code firmament groups list --product P}. */
  @Command(
      name = "list",
      description = "List a product's device groups by name (scope devices:read).")
  static final class ListGroups implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--product",
        paramLabel = "PRODUCT_ID",
        required = true,
        description = "The product.")
    String product;

    @Mixin PageOptions page;
    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the page as JSON: total, hasMore, last, items.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      page.validate(spec);
      GraphqlClient client = api.client(spec);
      boolean[] found = {true};
      ObjectNode result =
          page.fetch(
              spec,
              (from, size) -> {
                JsonNode p =
                    client
                        .execute(
                            "query($id: ID!, $from: Int, $size: Int) { product(id: $id) {"
                                + " groups(from: $from, size: $size) { total hasMore last items"
                                + " { id name } } } }",
                            Map.of("id", product, "from", from, "size", size))
                        .path("product");
                found[0] &= !(p.isNull() || p.isMissingNode());
                return p.path("groups");
              });
      Cli cli = Cli.of(spec);
      if (!found[0]) {
        cli.err().println("firmament groups list: no product " + product + " (NOT_FOUND)");
        return FirmamentCli.FAILURE;
      }
      if (json) {
        JsonOutput.print(cli.out(), result);
        return FirmamentCli.OK;
      }
      Table table = new Table("ID", "NAME");
      for (JsonNode group : result.path("items")) {
        table.row(group.path("id").asText(), group.path("name").asText());
      }
      table.print(cli.out());
      PageOptions.footer(cli.out(), result, "groups");
      return FirmamentCli.OK;
    }
  }

  /** {@code firmament groups create --product P --name N [DEVICE...]}. */
  @Command(
      name = "create",
      description =
          "Create a device group of a product, with the given devices or none (scope"
              + " devices:write).")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--product",
        paramLabel = "PRODUCT_ID",
        required = true,
        description = "The group's product.")
    String product;

    @Option(names = "--name", paramLabel = "NAME", required = true, description = "Its name.")
    String name;

    @Parameters(
        index = "0..*",
        arity = "0..10000",
        paramLabel = "DEVICE",
        description = "Devices of the product to put in it.")
    List<String> deviceIds;

    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the created group as JSON.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      JsonNode group =
          api.client(spec)
              .execute(
                  "mutation($input: CreateDeviceGroupInput!) { createDeviceGroup(input: $input) {"
                      + " deviceGroup { id name product { id name } } } }",
                  Map.of(
                      "input",
                      Map.of(
                          "productId",
                          product,
                          "name",
                          name,
                          "deviceIds",
                          deviceIds == null ? List.of() : deviceIds)))
              .path("createDeviceGroup")
              .path("deviceGroup");
      PrintStream out = Cli.of(spec).out();
      if (json) {
        JsonOutput.print(out, group);
      } else {
        out.printf(
            "created group %s (%s) of %s with %d device(s)%n",
            group.path("id").asText(),
            group.path("name").asText(),
            group.path("product").path("name").asText(),
            deviceIds == null ? 0 : deviceIds.size());
      }
      return FirmamentCli.OK;
    }
  }

  /** Adding or removing devices: one membership mutation on {@code {groupId, deviceIds}}. */
  abstract static class Membership implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "GROUP_ID", description = "The group's id.")
    String group;

    @Parameters(
        index = "1..*",
        arity = "1..10000",
        paramLabel = "DEVICE",
        description = "Devices of the group's product (1 to 10000).")
    List<String> deviceIds;

    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the group and the count of changed devices.")
    boolean json;

    @Mixin HelpOption help;

    abstract String mutation();

    abstract String verb();

    @Override
    public Integer call() {
      JsonNode payload =
          api.client(spec)
              .execute(
                  "mutation($input: GroupMembershipInput!) { "
                      + mutation()
                      + "(input: $input) { deviceGroup { id name } changed } }",
                  Map.of("input", Map.of("groupId", group, "deviceIds", deviceIds)))
              .path(mutation());
      PrintStream out = Cli.of(spec).out();
      if (json) {
        JsonOutput.print(out, payload);
      } else {
        out.printf(
            "group %s (%s): %d device(s) %s, %d unchanged%n",
            payload.path("deviceGroup").path("id").asText(),
            payload.path("deviceGroup").path("name").asText(),
            payload.path("changed").asInt(),
            verb(),
            deviceIds.size() - payload.path("changed").asInt());
      }
      return FirmamentCli.OK;
    }
  }

  @Command(
      name = "add",
      description =
          "Add devices to a group; those already in it stay (scope devices:write). An id that"
              + " names no device of the group's product refuses the whole call (NOT_FOUND).")
  static final class Add extends Membership {
    @Override
    String mutation() {
      return "addDevicesToGroup";
    }

    @Override
    String verb() {
      return "added";
    }
  }

  @Command(name = "remove", description = "Remove devices from a group (scope devices:write).")
  static final class Remove extends Membership {
    @Override
    String mutation() {
      return "removeDevicesFromGroup";
    }

    @Override
    String verb() {
      return "removed";
    }
  }
}
