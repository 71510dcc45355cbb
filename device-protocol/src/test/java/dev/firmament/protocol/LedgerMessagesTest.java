package dev.firmament.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ledger messages on the wire, and the rules every document and name follows. */
class LedgerMessagesTest {
  private final ProtocolCodec codec = new ProtocolCodec();

  private static byte[] bytes(String json) {
    return json.getBytes(UTF_8);
  }

  private static ObjectNode doc(String key, int value) {
    ObjectNode node = LedgerDocuments.empty();
    node.put(key, value);
    return node;
  }

  @Test
  void aSyncRequestAndAWriteReadAsTheDocsShowThem() {
    LedgerMessage sync =
        codec.decodeLedger(
            bytes("{\"type\":\"sync\",\"copies\":{\"config\":17},\"writes\":{\"status\":4}}"));
    assertThat(sync).isEqualTo(new LedgerSync(Map.of("config", 17L), Map.of("status", 4L)));
    assertThat(codec.decodeLedger(bytes("{\"type\":\"sync\"}")))
        .isEqualTo(new LedgerSync(Map.of(), Map.of()));

    LedgerMessage write =
        codec.decodeLedger(
            bytes(
                "{\"type\":\"write\",\"name\":\"status\",\"version\":5,"
                    + "\"data\":{\"bootCount\":3},\"writtenAt\":\"2026-03-01T12:00:00Z\"}"));
    assertThat(write)
        .isEqualTo(
            new LedgerWrite(
                "status", 5, doc("bootCount", 3), Instant.parse("2026-03-01T12:00:00Z")));
    assertThat(codec.decodeLedger(codec.encodeLedger(write))).isEqualTo(write);
  }

  @Test
  void copiesAndAcknowledgementsRideTheCommandTopic() {
    LedgerCopy copy =
        new LedgerCopy("config", 9, doc("interval", 30), Instant.parse("2026-03-01T12:00:00Z"));
    assertThat(new String(codec.encodeCommand(copy), UTF_8))
        .contains("\"type\":\"ledger\"", "\"interval\":30");
    assertThat(codec.decodeCommand(codec.encodeCommand(copy))).isEqualTo(copy);
    LedgerCopy removal = LedgerCopy.removal("config", 10);
    assertThat(new String(codec.encodeCommand(removal), UTF_8)).doesNotContain("data");
    assertThat(((LedgerCopy) codec.decodeCommand(codec.encodeCommand(removal))).isRemoval())
        .isTrue();
    LedgerAck ack = LedgerAck.of("status", 4);
    assertThat(codec.decodeCommand(codec.encodeCommand(ack))).isEqualTo(ack);
    LedgerAck refused = new LedgerAck("status", 0, "no such ledger");
    assertThat(codec.decodeCommand(codec.encodeCommand(refused))).isEqualTo(refused);
  }

  @Test
  void aDocumentExactlyAtTheLimitIsTakenAndOneByteOverIsNot() {
    String prefix = "{\"k\":\"";
    String suffix = "\"}";
    int room = LedgerDocuments.MAX_DATA_BYTES - prefix.length() - suffix.length();
    ObjectNode atLimit = LedgerDocuments.parse("data", prefix + "x".repeat(room) + suffix);
    assertThat(LedgerDocuments.compact(atLimit)).hasSize(LedgerDocuments.MAX_DATA_BYTES);
    // A write of a document at the limit still fits one protocol message.
    LedgerWrite write = new LedgerWrite("status", 1, atLimit, Instant.now());
    assertThat(codec.decodeLedger(codec.encodeLedger(write))).isEqualTo(write);

    assertThatThrownBy(() -> LedgerDocuments.parse("data", prefix + "x".repeat(room + 1) + suffix))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 8192 bytes");
  }

  @Test
  void malformedMessagesAreRefusedWithTheFieldNamed() {
    for (String[] bad :
        new String[][] {
          {"{\"type\":\"write\",\"name\":\"status\",\"version\":0,\"data\":{}}", "version"},
          {"{\"type\":\"write\",\"name\":\"a/b\",\"version\":1,\"data\":{}}", "name"},
          {"{\"type\":\"write\",\"name\":\"status\",\"version\":1}", "data"},
          {"{\"type\":\"write\",\"name\":\"status\",\"version\":1,\"data\":[1]}", "data"},
          {"{\"type\":\"sync\",\"copies\":{\"config\":-1}}", "copies"},
          {"{\"type\":\"erase\",\"name\":\"status\"}", "ledger message"},
        }) {
      assertThatThrownBy(() -> codec.decodeLedger(bytes(bad[0])))
          .as(bad[0])
          .isInstanceOf(MalformedMessageException.class)
          .hasMessageContaining(bad[1]);
    }
    Map<String, Long> many = new HashMap<>();
    for (int i = 0; i <= LedgerDocuments.MAX_SYNC_ENTRIES; i++) {
      many.put("l" + i, 1L);
    }
    assertThatThrownBy(() -> new LedgerSync(many, Map.of()))
        .hasMessageContaining("at most " + LedgerDocuments.MAX_SYNC_ENTRIES);
    assertThatThrownBy(() -> new LedgerWrite("status", 1, doc("", 1), null))
        .hasMessageContaining("keys");
  }

  @Test
  void theLedgerTopicIsTheDevicesOwn() {
    assertThat(Topics.ledger("dev-1")).isEqualTo("fw/dev-1/ledger");
    assertThat(Topics.deviceId("fw/dev-1/ledger", Topics.Kind.LEDGER)).hasValue("dev-1");
    assertThat(Topics.sharedFilter(Topics.Kind.LEDGER))
        .isEqualTo("$share/firmament-workers/fw/+/ledger");
  }
}
