package dev.firmament.protocol.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.firmament.protocol.BrokerAddress;
import dev.firmament.protocol.BrokerTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device accounts in Mosquitto's dynamic-security plugin, sent as commands to its control topic
 * {@value #CONTROL} by an administrator's client, as {@code mosquitto_ctrl dynsec} does.
 *
 * <p>Each device gets a client whose username and pinned client id are its device id, its secret as
 * password, and a role that lets it publish only its status, its presence, its events ({@code
 * fw/ID/events}), its vitals and logs ({@code fw/ID/telemetry}), its ledger sync and writes ({@code
 * fw/ID/ledger}), its network configuration syncs and acknowledgements ({@code fw/ID/network}) and
 * its replies to cloud calls ({@code fw/ID/reply/+}) and receive only its commands, chunks and
 * calls: the shared role {@code firmament-device} (whose ACLs name {@code %c}, which Mosquitto
 * substitutes from 2.1 on; {@code deploy/compose/mosquitto/provision.sh} creates it), or, for
 * Mosquitto 2.0, a role of its own ({@code firmament-device-ID}) with its literal topics. A device
 * role that exists already, made by a version without cloud calls, events, telemetry, ledgers or
 * networks, is given the call, reply, event, telemetry, ledger and network ACLs it lacks. Replacing
 * a device's secret modifies its client, which makes Mosquitto end the sessions that logged in
 * under it; the device must connect again with the new secret.
 *
 * <p>The connection is made on first use and again after it is lost. Commands go in messages of at
 * most {@value #COMMANDS_PER_MESSAGE}, and each message waits for the broker's answer for at most
 * the configured timeout: the plugin (Mosquitto 2.0) writes its whole configuration file after
 * every command, so a command costs time in proportion to the accounts the broker holds, and a
 * thousand devices registered at once took about a minute in one message on an empty broker
 * (measured; deploy/README.md, "Broker").
 */
public final class MosquittoDynamicSecurity implements BrokerAccounts, AutoCloseable {
  /** The plugin's command topic. */
  public static final String CONTROL = "$CONTROL/dynamic-security/v1";

  static final String RESPONSE = CONTROL + "/response";

  /** Commands sent in one message at most (a device with a role of its own needs two). */
  static final int COMMANDS_PER_MESSAGE = 100;

  private static final Logger log = LoggerFactory.getLogger(MosquittoDynamicSecurity.class);
  private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /**
   * How to reach the plugin and what to give each device.
   *
   * @param broker the broker's address
   * @param tls whether to connect with TLS (the JVM's trusted certificates)
   * @param tlsCaFile a PEM file of the authorities to trust instead (implies TLS), or null
   * @param adminUsername the dynamic-security administrator ({@code mosquitto_ctrl dynsec init})
   * @param adminPassword its password
   * @param deviceRole the role every device shares, when devices do not get roles of their own
   * @param perDeviceRoles whether each device gets a role of its own with literal topics (Mosquitto
   *     2.0, whose ACLs do not substitute {@code %c})
   * @param timeout how long a call waits for the connection and for the broker's answer
   */
  public record Options(
      BrokerAddress broker,
      boolean tls,
      Path tlsCaFile,
      String adminUsername,
      String adminPassword,
      String deviceRole,
      boolean perDeviceRoles,
      Duration timeout) {
    public Options {
      Objects.requireNonNull(broker, "broker");
      Objects.requireNonNull(adminUsername, "adminUsername");
      Objects.requireNonNull(adminPassword, "adminPassword");
      Objects.requireNonNull(deviceRole, "deviceRole");
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  private final Options options;
  private final Mqtt5AsyncClient client;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

  public MosquittoDynamicSecurity(Options options) {
    this.options = options;
    Mqtt5ClientBuilder builder =
        Mqtt5Client.builder()
            .identifier("firmament-accounts-" + UUID.randomUUID())
            .serverHost(options.broker().host())
            .serverPort(options.broker().port());
    this.client =
        BrokerTls.apply(builder, options.tls(), options.tlsCaFile())
            .simpleAuth()
            .username(options.adminUsername())
            .password(options.adminPassword().getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .buildAsync();
    client.publishes(MqttGlobalPublishFilter.ALL, this::onResponse);
  }

  @Override
  public void provision(Map<String, String> secretByDevice) {
    if (secretByDevice.isEmpty()) {
      return;
    }
    secretByDevice.keySet().forEach(MosquittoDynamicSecurity::checkDeviceId);
    ArrayNode create = json.createArrayNode();
    secretByDevice.forEach(
        (device, secret) -> {
          if (options.perDeviceRoles()) {
            create.add(createRole(device));
          }
          create.add(client(device, secret, "createClient"));
        });
    List<String> existing = new ArrayList<>();
    List<String> existingRoles = new ArrayList<>();
    JsonNode answers = send(create);
    for (JsonNode answer : answers) {
      String error = answer.path("error").asText(null);
      if (error == null) {
        continue;
      }
      String command = answer.path("command").asText();
      if (!error.contains("already exists")) {
        throw new BrokerAccountsException("the broker refused " + command + ": " + error);
      }
      String correlation = answer.path("correlationData").asText();
      String subject = correlation.substring(correlation.indexOf(':') + 1);
      if ("createClient".equals(command)) {
        existing.add(subject);
      } else if ("createRole".equals(command)) {
        existingRoles.add(subject);
      }
    }
    if (existing.isEmpty() && existingRoles.isEmpty()) {
      return;
    }
    // A device role made by an older version lacks the call, reply, event, ledger or network ACLs:
    // add them
    // (the
    // broker refuses an ACL the role has already, which is the outcome wanted).
    ArrayNode modify = json.createArrayNode();
    for (String role : existingRoles) {
      modify.addAll(addLaterAcls(role, deviceOf(role, secretByDevice.keySet())));
    }
    for (String device : existing) {
      modify.add(client(device, secretByDevice.get(device), "modifyClient"));
    }
    for (JsonNode answer : send(modify)) {
      String error = answer.path("error").asText(null);
      if (error == null) {
        continue;
      }
      String command = answer.path("command").asText();
      if (!("addRoleACL".equals(command) && error.contains("already exists"))) {
        throw new BrokerAccountsException("the broker refused " + command + ": " + error);
      }
    }
    log.info(
        "device accounts provisioned created={} replaced={} existingRoles={}",
        secretByDevice.size() - existing.size(),
        existing.size(),
        existingRoles.size());
  }

  private ObjectNode client(String device, String secret, String command) {
    ObjectNode c = json.createObjectNode();
    c.put("command", command);
    c.put("username", device);
    c.put("password", secret);
    c.put("clientid", device);
    c.putArray("roles").addObject().put("rolename", roleOf(device));
    return c;
  }

  private ObjectNode createRole(String device) {
    ObjectNode c = json.createObjectNode();
    c.put("command", "createRole");
    c.put("rolename", roleOf(device));
    ArrayNode acls = c.putArray("acls");
    for (String kind : List.of("status", "presence")) {
      acl(acls, "publishClientSend", "fw/" + device + "/" + kind);
    }
    for (String kind : List.of("cmd", "data")) {
      acl(acls, "subscribePattern", "fw/" + device + "/" + kind);
      acl(acls, "publishClientReceive", "fw/" + device + "/" + kind);
    }
    acls.addAll(laterAcls(device));
    return c;
  }

  /**
   * The ACLs added after the first device roles, which an existing role is given: cloud calls (the
   * device receives its calls and publishes its replies, one topic level per calling API instance)
   * and events, telemetry, ledger and network messages (the device publishes its own).
   */
  private ArrayNode laterAcls(String device) {
    ArrayNode acls = json.createArrayNode();
    acl(acls, "subscribePattern", "fw/" + device + "/call");
    acl(acls, "publishClientReceive", "fw/" + device + "/call");
    acl(acls, "publishClientSend", "fw/" + device + "/reply/+");
    acl(acls, "publishClientSend", "fw/" + device + "/events");
    acl(acls, "publishClientSend", "fw/" + device + "/telemetry");
    acl(acls, "publishClientSend", "fw/" + device + "/ledger");
    acl(acls, "publishClientSend", "fw/" + device + "/network");
    return acls;
  }

  /** {@code addRoleACL} commands that give an existing device role the later ACLs. */
  private List<ObjectNode> addLaterAcls(String role, String device) {
    List<ObjectNode> commands = new ArrayList<>();
    for (JsonNode acl : laterAcls(device)) {
      ObjectNode c = json.createObjectNode();
      c.put("command", "addRoleACL");
      c.put("rolename", role);
      c.setAll((ObjectNode) acl);
      commands.add(c);
    }
    return commands;
  }

  /** The device whose own role {@code role} is. */
  private String deviceOf(String role, Iterable<String> devices) {
    for (String device : devices) {
      if (roleOf(device).equals(role)) {
        return device;
      }
    }
    throw new BrokerAccountsException("the broker answered for a role not asked for: " + role);
  }

  private static void acl(ArrayNode acls, String type, String topic) {
    acls.addObject()
        .put("acltype", type)
        .put("topic", topic)
        .put("priority", 10)
        .put("allow", true);
  }

  /** The role a device's client gets. */
  String roleOf(String device) {
    return options.perDeviceRoles() ? options.deviceRole() + "-" + device : options.deviceRole();
  }

  /**
   * Sends the commands, {@value #COMMANDS_PER_MESSAGE} to a message, and returns the broker's
   * answers, one per command, in order.
   */
  private JsonNode send(ArrayNode commands) {
    if (commands.size() <= COMMANDS_PER_MESSAGE) {
      return sendOne(commands);
    }
    ArrayNode answers = json.createArrayNode();
    for (int from = 0; from < commands.size(); from += COMMANDS_PER_MESSAGE) {
      ArrayNode part = json.createArrayNode();
      for (int i = from; i < Math.min(commands.size(), from + COMMANDS_PER_MESSAGE); i++) {
        part.add(commands.get(i));
      }
      sendOne(part).forEach(answers::add);
    }
    return answers;
  }

  /**
   * Sends the commands in one message and returns the broker's answers, one per command. Each
   * command carries the request's id and its device as correlation data.
   */
  private JsonNode sendOne(ArrayNode commands) {
    String request = UUID.randomUUID().toString();
    for (JsonNode command : commands) {
      String subject =
          command.has("username")
              ? command.get("username").asText()
              : command.get("rolename").asText();
      ((ObjectNode) command).put("correlationData", request + ":" + subject);
    }
    ObjectNode message = json.createObjectNode();
    message.set("commands", commands);
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(request, answer);
    try {
      connected();
      client
          .publishWith()
          .topic(CONTROL)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(json.writeValueAsBytes(message))
          .send()
          .get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
      JsonNode responses = answer.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
      if (responses.size() != commands.size()) {
        throw new BrokerAccountsException(
            "the broker answered " + responses.size() + " of " + commands.size() + " commands");
      }
      return responses;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerAccountsException("interrupted while provisioning device accounts", e);
    } catch (ExecutionException | TimeoutException | IOException e) {
      throw new BrokerAccountsException(
          "the broker at "
              + options.broker()
              + " did not confirm the device accounts: "
              + (e.getCause() == null ? e.toString() : e.getCause().toString()),
          e);
    } finally {
      pending.remove(request);
    }
  }

  /** Connects and subscribes to the answers, unless connected already. */
  private synchronized void connected()
      throws InterruptedException, ExecutionException, TimeoutException {
    if (client.getState().isConnected()) {
      return;
    }
    long timeout = options.timeout().toMillis();
    client.connectWith().cleanStart(true).send().get(timeout, TimeUnit.MILLISECONDS);
    client
        .subscribeWith()
        .topicFilter(RESPONSE)
        .qos(MqttQos.AT_LEAST_ONCE)
        .send()
        .get(timeout, TimeUnit.MILLISECONDS);
  }

  private void onResponse(Mqtt5Publish publish) {
    if (!RESPONSE.equals(publish.getTopic().toString())) {
      return;
    }
    try {
      JsonNode responses = json.readTree(publish.getPayloadAsBytes()).path("responses");
      String correlation = responses.path(0).path("correlationData").asText("");
      int colon = correlation.indexOf(':');
      CompletableFuture<JsonNode> waiting =
          colon < 0 ? null : pending.get(correlation.substring(0, colon));
      if (waiting != null) {
        waiting.complete(responses);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("unreadable dynamic-security answer: {}", e.toString());
    }
  }

  private static void checkDeviceId(String device) {
    if (device == null || !DEVICE_ID.matcher(device).matches()) {
      throw new IllegalArgumentException("not a device id: " + device);
    }
  }

  @Override
  public void close() {
    if (client.getState().isConnectedOrReconnect()) {
      try {
        client.disconnect().get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        log.debug("dynamic-security client disconnect: {}", e.toString());
      }
    }
  }
}
