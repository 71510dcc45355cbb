package dev.firmament.cli;

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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code firmament devices list|show|register}: the organization's devices through the API. */
@Command(
    name = "devices",
    aliases = "device",
    description = "List, show and register devices.",
    subcommands = {
      DevicesCommand.ListDevices.class,
      DevicesCommand.Show.class,
      DevicesCommand.Register.class
    })
public final class DevicesCommand extends CommandGroup {

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
        return FirmamentCli.OK;
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
      return FirmamentCli.OK;
    }
  }

  /** {@code firmament devices show ID}. */
  @Command(
      name = "show",
      description =
          "Show a device: its identity, whether it is online and when it was last heard, the"
              + " version it reports and the one it is meant to run, its product and groups, and"
              + " its most recent updates (scopes devices:read and rollouts:read).")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The device's id.")
    String id;

    @Option(
        names = "--updates",
        paramLabel = "N",
        defaultValue = "5",
        description = "How many of its most recent updates to show, 0 to 1000 (default 5).")
    int updates;

    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the device as JSON.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      Ranges.check(spec, "--updates", updates, 0, 1000);
      JsonNode device =
          api.client(spec)
              .execute(
                  "query($id: ID!, $updates: Int) { device(id: $id) { id name online lastHeard"
                      + " lastIp created hardwareId serialNumber tags firmwareVersion { version"
                      + " title } targetFirmwareVersion firmwareLock product { id name } groups {"
                      + " id name } updates(size: $updates) { total items { job { id"
                      + " targetVersion status } state attempt errorCode errorMessage updatedAt"
                      + " } } } }",
                  Map.of("id", id, "updates", updates))
              .path("device");
      Cli cli = Cli.of(spec);
      if (device.isMissingNode() || device.isNull()) {
        cli.err().println("firmament devices show: no device " + id + " (NOT_FOUND)");
        return FirmamentCli.FAILURE;
      }
      if (json) {
        JsonOutput.print(cli.out(), device);
      } else {
        print(cli.out(), device);
      }
      return FirmamentCli.OK;
    }

    static void print(PrintStream out, JsonNode device) {
      out.printf(
          "device %s  %s  %s%n",
          device.path("id").asText(),
          device.path("name").asText(),
          device.path("online").asBoolean() ? "online" : "offline");
      out.printf(
          "  product %s (%s)%n",
          device.path("product").path("name").asText(), device.path("product").path("id").asText());
      String version = JsonOutput.text(device.path("firmwareVersion"), "version");
      String target = JsonOutput.text(device, "targetFirmwareVersion");
      out.printf(
          "  version %s, target %s%s%n",
          version == null ? "never reported" : version,
          target == null ? "none" : target,
          device.path("firmwareLock").isTextual()
              ? " (locked to " + device.path("firmwareLock").asText() + ")"
              : "");
      List<String> groups = new ArrayList<>();
      device.path("groups").forEach(g -> groups.add(g.path("name").asText()));
      out.printf("  groups: %s%n", groups.isEmpty() ? "none" : String.join(", ", groups));
      line(out, "last heard", JsonOutput.text(device, "lastHeard"));
      line(out, "last IP", JsonOutput.text(device, "lastIp"));
      line(out, "registered", JsonOutput.text(device, "created"));
      line(out, "hardware id", JsonOutput.text(device, "hardwareId"));
      line(out, "serial number", JsonOutput.text(device, "serialNumber"));
      List<String> tags = new ArrayList<>();
      device.path("tags").forEach(t -> tags.add(t.asText()));
      line(out, "tags", tags.isEmpty() ? null : String.join(", ", tags));
      JsonNode updates = device.path("updates");
      out.println();
      if (updates.path("total").asInt() == 0) {
        out.println("updates: none");
        return;
      }
      out.printf(
          "updates: %d of %d, newest first%n",
          updates.path("items").size(), updates.path("total").asInt());
      Table table = new Table("ROLLOUT", "VERSION", "STATE", "ATTEMPT", "ERROR", "UPDATED");
      for (JsonNode update : updates.path("items")) {
        table.row(
            update.path("job").path("id").asText(),
            update.path("job").path("targetVersion").asText(),
            update.path("state").asText(),
            update.path("attempt").asInt(),
            JsonOutput.text(update, "errorCode"),
            JsonOutput.text(update, "updatedAt"));
      }
      table.print(out);
    }

    private static void line(PrintStream out, String label, String value) {
      if (value != null) {
        out.printf("  %s: %s%n", label, value);
      }
    }
  }

  /** {@code firmament devices register}. */
  @Command(
      name = "register",
      description =
          "Register a device with a product and print its MQTT credentials, which the API shows"
              + " only this once (scope devices:write).")
  static final class Register implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--product",
        paramLabel = "PRODUCT_ID",
        required = true,
        description = "The device's product.")
    String product;

    @Option(
        names = "--id",
        paramLabel = "DEVICE_ID",
        required = true,
        description = "Its id and MQTT client id: 1 to 64 of A-Z a-z 0-9 _ -.")
    String id;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        description = "Its display name (default its id).")
    String name;

    @Option(
        names = "--firmware-version",
        paramLabel = "VERSION",
        description = "The version it runs, until it reports one.")
    String firmwareVersion;

    @Option(
        names = "--hardware-id",
        paramLabel = "ID",
        description = "The hardware's own identifier (a MAC address, a chip serial).")
    String hardwareId;

    @Option(
        names = "--serial-number",
        paramLabel = "SERIAL",
        description = "The serial number on its label.")
    String serialNumber;

    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the device and its credentials as JSON.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      Map<String, Object> device = new LinkedHashMap<>();
      device.put("id", id);
      device.put("name", name == null ? id : name);
      if (firmwareVersion != null) {
        device.put("firmwareVersion", firmwareVersion);
      }
      if (hardwareId != null) {
        device.put("hardwareId", hardwareId);
      }
      if (serialNumber != null) {
        device.put("serialNumber", serialNumber);
      }
      JsonNode payload =
          api.client(spec)
              .execute(
                  "mutation($input: RegisterDevicesInput!) { registerDevices(input: $input) {"
                      + " devices { id name product { id name } } credentials { deviceId"
                      + " mqttUsername mqttPassword } } }",
                  Map.of("input", Map.of("productId", product, "devices", List.of(device))))
              .path("registerDevices");
      JsonNode registered = payload.path("devices").path(0);
      JsonNode credential = payload.path("credentials").path(0);
      PrintStream out = Cli.of(spec).out();
      if (json) {
        ObjectNode result = JsonOutput.JSON.createObjectNode();
        result.set("device", registered);
        result.set("credential", credential);
        JsonOutput.print(out, result);
        return FirmamentCli.OK;
      }
      out.printf(
          "registered device %s (%s) with %s%n",
          registered.path("id").asText(),
          registered.path("name").asText(),
          registered.path("product").path("name").asText());
      out.printf("  MQTT client id and username: %s%n", credential.path("mqttUsername").asText());
      out.printf("  MQTT password: %s%n", credential.path("mqttPassword").asText());
      out.println("  the password is shown only now: store it in the device's provisioning.");
      return FirmamentCli.OK;
    }
  }
}
