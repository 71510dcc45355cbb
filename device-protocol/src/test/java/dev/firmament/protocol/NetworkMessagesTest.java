package dev.firmament.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The network messages on the wire, and the rules of each kind's settings at their edges. */
class NetworkMessagesTest {
  private static final String NET = "7b0c5d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e";
  private final ProtocolCodec codec = new ProtocolCodec();

  private static ObjectNode settings(String json) {
    return NetworkSettings.parse(json);
  }

  @Test
  void aConfigurationAndARemovalRideTheCommandTopic() {
    NetworkConfig config =
        new NetworkConfig(NET, 3, "MESH", "NODE", settings("{\"channel\":15,\"panId\":4660}"));
    String json = new String(codec.encodeCommand(config), UTF_8);
    assertThat(json)
        .contains(
            "\"type\":\"network\"",
            "\"network\":\"" + NET + "\"",
            "\"version\":3",
            "\"kind\":\"MESH\"",
            "\"role\":\"NODE\"",
            "\"settings\":{\"channel\":15,\"panId\":4660}");
    assertThat(codec.decodeCommand(codec.encodeCommand(config))).isEqualTo(config);

    NetworkConfig removal = NetworkConfig.removal(NET, 0);
    String removalJson = new String(codec.encodeCommand(removal), UTF_8);
    assertThat(removalJson).doesNotContain("settings", "kind", "role");
    assertThat(((NetworkConfig) codec.decodeCommand(removalJson.getBytes(UTF_8))).isRemoval())
        .isTrue();
    assertThat(config.isRemoval()).isFalse();
  }

  @Test
  void aSyncAndAcknowledgementsReadAsTheDocsShowThem() {
    assertThat(codec.decodeNetwork("{\"type\":\"sync\",\"version\":0}".getBytes(UTF_8)))
        .isEqualTo(NetworkSync.none());
    NetworkSync held = new NetworkSync(NET, 2, "GATEWAY");
    assertThat(codec.decodeNetwork(codec.encodeNetwork(held))).isEqualTo(held);
    assertThat(new String(codec.encodeNetwork(NetworkSync.none()), UTF_8))
        .isEqualTo("{\"type\":\"sync\",\"version\":0}");

    NetworkAck applied = NetworkAck.applied(NET, 2);
    assertThat(new String(codec.encodeNetwork(applied), UTF_8))
        .isEqualTo(
            "{\"type\":\"ack\",\"network\":\"" + NET + "\",\"version\":2,\"result\":\"APPLIED\"}");
    NetworkAck rejected = NetworkAck.rejected(NET, 3, "no mesh radio");
    assertThat(codec.decodeNetwork(codec.encodeNetwork(rejected))).isEqualTo(rejected);
  }

  @Test
  void malformedMessagesAreRefusedNamingTheirField() {
    assertThatThrownBy(
            () ->
                codec.decodeNetwork(
                    ("{\"type\":\"ack\",\"network\":\""
                            + NET
                            + "\",\"version\":1,\"result\":\"OK\"}")
                        .getBytes(UTF_8)))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("result");
    assertThatThrownBy(() -> NetworkAck.rejected(NET, 1, " ")).hasMessageContaining("reason");
    assertThatThrownBy(() -> NetworkAck.rejected(NET, 1, "x".repeat(201)))
        .hasMessageContaining("reason");
    assertThat(NetworkAck.rejected(NET, 1, "x".repeat(200)).reason()).hasSize(200);
    assertThatThrownBy(() -> new NetworkAck(NET, 1, "APPLIED", "why"))
        .hasMessageContaining("no reason");
    assertThatThrownBy(() -> NetworkAck.applied(NET, 0)).hasMessageContaining("version");
    assertThatThrownBy(() -> NetworkAck.applied("a/b", 1)).hasMessageContaining("network");
    assertThatThrownBy(() -> new NetworkSync(null, 1, null)).hasMessageContaining("version 0");
    assertThatThrownBy(() -> new NetworkSync(NET, 0, "NODE")).hasMessageContaining("version");
    assertThatThrownBy(() -> new NetworkSync(NET, 1, "BOSS")).hasMessageContaining("role");
    assertThatThrownBy(() -> new NetworkSync("fw/+", 1, "NODE")).hasMessageContaining("network");
    assertThatThrownBy(() -> new NetworkConfig(NET, 0, "VLAN", "NODE", settings("{\"vlanId\":5}")))
        .hasMessageContaining("version");
    assertThatThrownBy(() -> new NetworkConfig(NET, 1, "VLAN", "BOSS", settings("{\"vlanId\":5}")))
        .hasMessageContaining("role");
    assertThatThrownBy(
            () -> new NetworkConfig(NET, 1, "VLAN", "NODE", settings("{\"vlanId\":4095}")))
        .hasMessageContaining("vlanId");
    assertThatThrownBy(() -> new NetworkConfig(NET, 1, "VLAN", null, null))
        .hasMessageContaining("removal");
    assertThatThrownBy(() -> NetworkConfig.removal(NET, -1)).hasMessageContaining("version");
    assertThatThrownBy(() -> NetworkConfig.removal("x".repeat(65), 0))
        .hasMessageContaining("network");
    assertThat(NetworkSettings.isValidNetworkId("x".repeat(64))).isTrue();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        // Mesh: channels 11 to 26, PAN ids 0 to 65534.
        "MESH | {\"channel\":11,\"panId\":0} |",
        "MESH | {\"channel\":26,\"panId\":65534} |",
        "MESH | {\"channel\":10,\"panId\":1} | channel is a whole number from 11 to 26, was 10",
        "MESH | {\"channel\":27,\"panId\":1} | channel is a whole number from 11 to 26, was 27",
        "MESH | {\"channel\":12,\"panId\":65535} | panId is a whole number from 0 to 65534",
        "MESH | {\"channel\":12,\"panId\":-1} | panId is a whole number from 0 to 65534",
        "MESH | {\"channel\":12.5,\"panId\":1} | channel is a whole number",
        "MESH | {\"channel\":\"12\",\"panId\":1} | channel is a whole number",
        "MESH | {\"channel\":12} | panId is required",
        "MESH | {\"panId\":1} | channel is required",
        "MESH | {\"channel\":null,\"panId\":1} | channel is required",
        "MESH | {\"channel\":4294967307,\"panId\":1} | channel is a whole number",
        "MESH | {\"channel\":12,\"panId\":1,\"chanel\":3} | 'chanel' is no setting of a MESH network",
        // VLAN: ids 1 to 4094, priority 0 to 7 and optional.
        "VLAN | {\"vlanId\":1} |",
        "VLAN | {\"vlanId\":4094,\"priority\":7} |",
        "VLAN | {\"vlanId\":2,\"priority\":0} |",
        "VLAN | {\"vlanId\":0} | vlanId is a whole number from 1 to 4094, was 0",
        "VLAN | {\"vlanId\":4095} | vlanId is a whole number from 1 to 4094, was 4095",
        "VLAN | {\"vlanId\":5,\"priority\":8} | priority is a whole number from 0 to 7, was 8",
        "VLAN | {\"vlanId\":5,\"priority\":-1} | priority is a whole number from 0 to 7",
        "VLAN | {} | vlanId is required",
        // Private APN: labels of letters, digits and inner hyphens.
        "PRIVATE_APN | {\"apn\":\"iot.acme-corp.example\"} |",
        "PRIVATE_APN | {\"apn\":\"a\",\"authentication\":\"CHAP\",\"username\":\"plant 7\"} |",
        "PRIVATE_APN | {\"apn\":\"a\",\"authentication\":\"PAP\"} |",
        "PRIVATE_APN | {\"apn\":\"a\",\"authentication\":\"NONE\"} |",
        "PRIVATE_APN | {\"apn\":\"-iot\"} | apn is labels",
        "PRIVATE_APN | {\"apn\":\"iot-\"} | apn is labels",
        "PRIVATE_APN | {\"apn\":\"iot..acme\"} | apn is labels",
        "PRIVATE_APN | {\"apn\":\"iot.\"} | apn is labels",
        "PRIVATE_APN | {\"apn\":\"io t\"} | apn is labels",
        "PRIVATE_APN | {\"apn\":\"\"} | apn is 1 to 100 characters, was 0",
        "PRIVATE_APN | {\"apn\":7} | apn is a text",
        "PRIVATE_APN | {} | apn is required",
        "PRIVATE_APN | {\"apn\":\"a\",\"authentication\":\"MSCHAP\"} | authentication is NONE, PAP or CHAP",
        "PRIVATE_APN | {\"apn\":\"a\",\"authentication\":3} | authentication is NONE, PAP or CHAP",
        "PRIVATE_APN | {\"apn\":\"a\",\"username\":\"\"} | username is 1 to 64 printable",
        "PRIVATE_APN | {\"apn\":\"a\",\"username\":7} | username is 1 to 64 printable",
        "PRIVATE_APN | {\"apn\":\"a\",\"username\":\"tab\\there\"} | username is 1 to 64 printable",
        "PRIVATE_APN | {\"apn\":\"a\",\"password\":\"x\"} | 'password' is no setting of a PRIVATE_APN network",
        "WIFI | {} | the kind is MESH, VLAN or PRIVATE_APN, was WIFI",
      })
  void settingsAreCheckedPerKindAtTheirEdges(String kind, String json, String problem) {
    assertThat(NetworkSettings.problem(kind, settings(json)))
        .as(kind + " " + json)
        .satisfies(
            actual -> {
              if (problem == null) {
                assertThat(actual).isNull();
              } else {
                assertThat(actual).startsWith(problem);
              }
            });
  }

  @Test
  void theApnAndTheUsernameAreCheckedAtTheirLengths() {
    String label = "a".repeat(49);
    String apn100 = label + "." + label + "a";
    assertThat(apn100).hasSize(100);
    assertThat(NetworkSettings.apnProblem(JsonNodeFactory.instance.textNode(apn100))).isNull();
    assertThat(NetworkSettings.apnProblem(JsonNodeFactory.instance.textNode(apn100 + "a")))
        .startsWith("apn is 1 to 100 characters, was 101");
    ObjectNode user = settings("{\"apn\":\"a\"}");
    user.put("username", "u".repeat(64));
    assertThat(NetworkSettings.problem("PRIVATE_APN", user)).isNull();
    user.put("username", "u".repeat(65));
    assertThat(NetworkSettings.problem("PRIVATE_APN", user)).startsWith("username");
    user.put("username", "caf\u00e9");
    assertThat(NetworkSettings.problem("PRIVATE_APN", user)).startsWith("username");
    user.put("username", "del\u007f");
    assertThat(NetworkSettings.problem("PRIVATE_APN", user)).startsWith("username");
    user.put("username", " ~");
    assertThat(NetworkSettings.problem("PRIVATE_APN", user)).isNull();
  }

  @Test
  void settingsAreAtMostFourKibibytes() {
    // The size is checked before the keys: a document over the limit names its size, one at the
    // limit goes on to the next check (here the padding's unknown key).
    ObjectNode exact = settings("{\"vlanId\":5}");
    String base = NetworkSettings.compact(exact);
    ObjectNode over = exact.deepCopy();
    over.put("x", "y".repeat(NetworkSettings.MAX_SETTINGS_BYTES - base.length() - 7 + 1));
    assertThat(NetworkSettings.compact(over).getBytes(UTF_8))
        .hasSize(NetworkSettings.MAX_SETTINGS_BYTES + 1);
    assertThat(NetworkSettings.problem("VLAN", over))
        .startsWith("the settings are at most 4096 bytes of JSON, were 4097");
    ObjectNode at = exact.deepCopy();
    at.put("x", "y".repeat(NetworkSettings.MAX_SETTINGS_BYTES - base.length() - 7));
    assertThat(NetworkSettings.compact(at).getBytes(UTF_8))
        .hasSize(NetworkSettings.MAX_SETTINGS_BYTES);
    assertThat(NetworkSettings.problem("VLAN", at)).startsWith("'x' is no setting");
  }

  @Test
  void aValueInAProblemIsClippedPastFortyCharacters() {
    String forty = "k".repeat(40);
    assertThat(NetworkSettings.problem("VLAN", settings("{\"vlanId\":1,\"" + forty + "\":1}")))
        .startsWith("'" + forty + "' is no setting");
    assertThat(NetworkSettings.problem("VLAN", settings("{\"vlanId\":1,\"" + forty + "k\":1}")))
        .startsWith("'" + forty + "...' is no setting");
  }

  @Test
  void typedSettingsMayTakeFourTimesTheLimitInCharacters() {
    // Typed JSON may be indented; what counts is the compact size, checked afterwards.
    String longest = "{}" + " ".repeat(4 * NetworkSettings.MAX_SETTINGS_BYTES - 2);
    assertThat(NetworkSettings.parse(longest)).isEmpty();
    assertThatThrownBy(() -> NetworkSettings.parse(longest + " ")).hasMessageContaining("at most");
  }

  @Test
  void typedSettingsMustBeAJsonObject() {
    assertThatThrownBy(() -> NetworkSettings.parse("[1]")).hasMessageContaining("JSON object");
    assertThatThrownBy(() -> NetworkSettings.parse("{")).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> NetworkSettings.parse(null)).hasMessageContaining("required");
    assertThatThrownBy(() -> NetworkSettings.parse(" ".repeat(4 * 4096 + 1)))
        .hasMessageContaining("at most");
    assertThat(NetworkSettings.problem("MESH", null)).isEqualTo("the settings are required");
    assertThatThrownBy(() -> NetworkSettings.require("VLAN", settings("{}")))
        .hasMessage("settings: vlanId is required");
  }

  @Test
  void theNetworkTopicIsTheDevicesOwn() {
    assertThat(Topics.network("dev-1")).isEqualTo("fw/dev-1/network");
    assertThat(Topics.deviceId("fw/dev-1/network", Topics.Kind.NETWORK)).hasValue("dev-1");
    assertThat(Topics.sharedFilter(Topics.Kind.NETWORK))
        .isEqualTo("$share/firmament-workers/fw/+/network");
  }
}
