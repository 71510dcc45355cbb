package dev.firmament.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BodyTemplateTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Map<String, JsonNode> fields(String data) {
    return BodyTemplate.fields(
        "temp/room", data, "dev-1", "prod-1", "2026-12-06T10:00:00Z", 42L, "DEVICE", 60, "wh-1");
  }

  @Test
  void aWholePlaceholderKeepsItsJsonTypeAndAPartOneIsText() throws Exception {
    BodyTemplate t =
        BodyTemplate.parse(
            """
            {"name": "{{event}}", "id": "{{eventId}}", "ttl": "{{ ttl }}",
             "text": "device {{deviceId}} said {{data}}", "reading": "{{data.reading}}",
             "unit": "{{data.meta.unit}}", "missing": "{{data.nope}}", "list": ["{{source}}", 1],
             "fixed": true}
            """);
    JsonNode body =
        JSON.readTree(t.render(fields("{\"reading\": 21.5, \"meta\": {\"unit\": \"C\"}}")));
    assertThat(body.get("name").asText()).isEqualTo("temp/room");
    assertThat(body.get("id").isNumber()).isTrue();
    assertThat(body.get("id").asLong()).isEqualTo(42);
    assertThat(body.get("ttl").asInt()).isEqualTo(60);
    assertThat(body.get("text").asText())
        .isEqualTo("device dev-1 said {\"reading\": 21.5, \"meta\": {\"unit\": \"C\"}}");
    assertThat(body.get("reading").isNumber()).isTrue();
    assertThat(body.get("reading").asDouble()).isEqualTo(21.5);
    assertThat(body.get("unit").asText()).isEqualTo("C");
    assertThat(body.get("missing").isNull()).isTrue();
    assertThat(body.get("list").get(0).asText()).isEqualTo("DEVICE");
    assertThat(body.get("list").get(1).asInt()).isEqualTo(1);
    assertThat(body.get("fixed").asBoolean()).isTrue();
  }

  @Test
  void anEventsDataCannotChangeTheBodysStructure() throws Exception {
    BodyTemplate t = BodyTemplate.parse("{\"d\": \"x {{data}}\", \"e\": \"{{data}}\"}");
    String hostile = "\", \"admin\": true, \"x\": \"";
    JsonNode body = JSON.readTree(t.render(fields(hostile)));
    assertThat(body.size()).isEqualTo(2);
    assertThat(body.get("d").asText()).isEqualTo("x " + hostile);
    assertThat(body.get("e").asText()).isEqualTo(hostile);
    // Data that is not an object leaves its fields null.
    assertThat(
            JSON.readTree(BodyTemplate.parse("{\"r\": \"{{data.r}}\"}").render(fields("[1]")))
                .get("r")
                .isNull())
        .isTrue();
  }

  @Test
  void theStandardBodyCarriesTypeTimestampAndTheFields() throws Exception {
    JsonNode body = JSON.readTree(BodyTemplate.standard(fields("on")));
    assertThat(body.get("type").asText()).isEqualTo("temp/room");
    assertThat(body.get("timestamp").asText()).isEqualTo("2026-12-06T10:00:00Z");
    assertThat(body.get("data").get("data").asText()).isEqualTo("on");
    assertThat(body.get("data").get("deviceId").asText()).isEqualTo("dev-1");
    assertThat(body.get("data").get("eventId").asLong()).isEqualTo(42);
    assertThat(body.get("data").get("webhookId").asText()).isEqualTo("wh-1");
  }

  @Test
  void aCloudEventWithoutDeviceProductOrStoredIdHasNullsThere() throws Exception {
    JsonNode body =
        JSON.readTree(
            BodyTemplate.standard(
                BodyTemplate.fields(
                    "firmament/rollout/status",
                    null,
                    null,
                    null,
                    "2026-12-06T10:00:00Z",
                    null,
                    "CLOUD",
                    null,
                    "wh-1")));
    for (String field : new String[] {"data", "deviceId", "productId", "eventId", "ttl"}) {
      assertThat(body.get("data").get(field).isNull()).as(field).isTrue();
    }
    assertThat(body.get("data").get("event").asText()).isEqualTo("firmament/rollout/status");
  }

  @Test
  void aTemplateOfTheLongestLengthIsTaken() {
    String longest = "\"" + "x".repeat(BodyTemplate.MAX_LENGTH - 2) + "\"";
    assertThat(longest).hasSize(BodyTemplate.MAX_LENGTH);
    assertThat(BodyTemplate.parse(longest).render(fields("d"))).hasSize(BodyTemplate.MAX_LENGTH);
  }

  @Test
  void badTemplatesAreRefusedWithWhy() {
    assertThatThrownBy(() -> BodyTemplate.parse("{\"a\": "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JSON");
    assertThatThrownBy(() -> BodyTemplate.parse(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BodyTemplate.parse("{\"a\": \"{{password}}\"}"))
        .hasMessageContaining("unknown placeholder {{password}}");
    assertThatThrownBy(() -> BodyTemplate.parse("{\"a\": \"{{data..x}}\"}"))
        .hasMessageContaining("unknown placeholder");
    assertThatThrownBy(() -> BodyTemplate.parse("\"" + "x".repeat(BodyTemplate.MAX_LENGTH) + "\""))
        .hasMessageContaining("at most " + BodyTemplate.MAX_LENGTH);
    String eleven = "[" + "\"{{event}}\",".repeat(10) + "\"{{data}}\"]";
    assertThatThrownBy(() -> BodyTemplate.parse(eleven)).hasMessageContaining("placeholders");
    String ten = "[" + "\"{{event}}\",".repeat(9) + "\"{{data}}\"]";
    BodyTemplate.parse(ten);
    // Placeholders in keys are not filled in, and not counted.
    assertThat(BodyTemplate.parse("{\"{{event}}\": 1}").render(fields("x")))
        .isEqualTo("{\"{{event}}\":1}");
  }
}
