package dev.firmament.launcher.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Mosquitto with device identity enforced as in production (the benchmark's {@code
 * BROKER=mosquitto-secured}): no anonymous clients, the dynamic-security plugin provisioned by the
 * repository's own {@code deploy/compose/mosquitto/provision.sh} (the workers' and the API's roles,
 * the device role), and the API told to make each device's account when it registers it, with a
 * role of its own (literal topics, as Mosquitto 2.0 needs). The one process of the benchmark's
 * stack runs both the workers and the API, so it connects as one account holding both roles.
 * Passwords are made afresh for every run.
 */
final class SecuredMosquitto {
  private static final List<Path> PLUGINS =
      List.of(
          Path.of("/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"),
          Path.of("/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so"),
          Path.of("/usr/lib/mosquitto_dynamic_security.so"));
  private static final Path CTRL = Path.of("/usr/bin/mosquitto_ctrl");
  private static final Path PROVISION = Path.of("deploy", "compose", "mosquitto", "provision.sh");
  private static final String STACK_ACCOUNT = "firmament-stack";

  private SecuredMosquitto() {}

  /** The configuration lines that turn identity on; makes the plugin's file with its admin. */
  static List<String> configuration(Path data) throws IOException, InterruptedException {
    Path plugin =
        PLUGINS.stream()
            .filter(Files::exists)
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "BROKER=mosquitto-secured needs Mosquitto's dynamic-security plugin"
                            + " and mosquitto_ctrl: apt-get install mosquitto mosquitto-clients"));
    Path file = data.resolve("dynamic-security.json");
    run(
        List.of(CTRL.toString(), "dynsec", "init", file.toString(), "admin", adminPassword(data)),
        Map.of());
    return List.of(
        "per_listener_settings false",
        "allow_anonymous false",
        "plugin " + plugin,
        "plugin_opt_config_file " + file,
        // Run as root, Mosquitto would switch to the user "mosquitto", who cannot write the file.
        "user " + System.getProperty("user.name"));
  }

  /**
   * Provisions the roles and the stack's account on the running broker; returns the settings that
   * point the stack at it.
   */
  static Map<String, String> provision(Path data, int port)
      throws IOException, InterruptedException {
    String admin = adminPassword(data);
    String workers = secret();
    String api = secret();
    String stack = secret();
    String out =
        run(
            List.of("sh", PROVISION.toString()),
            Map.of(
                "MOSQUITTO_ADMIN_PASSWORD", admin,
                "FIRMAMENT_MQTT_PASSWORD", workers,
                "FIRMAMENT_API_MQTT_PASSWORD", api,
                "MQTT_HOST", "127.0.0.1",
                "MQTT_PORT", Integer.toString(port)));
    if (!out.contains("provisioned for firmament")) {
      throw new IllegalStateException("provision.sh did not finish: " + out);
    }
    List<String> ctrl =
        List.of(
            CTRL.toString(),
            "-h",
            "127.0.0.1",
            "-p",
            Integer.toString(port),
            "-u",
            "admin",
            "-P",
            admin,
            "dynsec");
    for (List<String> command :
        List.of(
            List.of("createClient", STACK_ACCOUNT, "-p", stack),
            List.of("addClientRole", STACK_ACCOUNT, "firmament-workers"),
            List.of("addClientRole", STACK_ACCOUNT, "firmament-api"))) {
      List<String> full = new ArrayList<>(ctrl);
      full.addAll(command);
      String answer = run(full, Map.of());
      // mosquitto_ctrl exits 0 even when the broker refuses a command; its output says "Error".
      if (answer.contains("Error")) {
        throw new IllegalStateException("dynsec " + command.getFirst() + ": " + answer);
      }
    }
    return Map.of(
        "firmament.mqtt.username",
        STACK_ACCOUNT,
        "firmament.mqtt.password",
        stack,
        "firmament.mqtt.dynamic-security.enabled",
        "true",
        "firmament.mqtt.dynamic-security.admin-username",
        "admin",
        "firmament.mqtt.dynamic-security.admin-password",
        admin,
        "firmament.mqtt.dynamic-security.per-device-roles",
        "true");
  }

  /** The plugin's admin password of this run, kept beside its file. */
  private static String adminPassword(Path data) throws IOException {
    Path file = data.resolve("dynamic-security.admin");
    if (!Files.exists(file)) {
      Files.writeString(file, secret());
    }
    return Files.readString(file);
  }

  private static String secret() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  private static String run(List<String> command, Map<String, String> environment)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(
          String.join(" ", command.subList(0, 2))
              + " failed: "
              + new String(output, StandardCharsets.UTF_8));
    }
    return new String(output, StandardCharsets.UTF_8);
  }
}
