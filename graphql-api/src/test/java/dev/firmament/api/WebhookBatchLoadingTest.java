package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.WEBHOOKS;
import static dev.firmament.sql.generated.Tables.WEBHOOK_DELIVERIES;
import static dev.firmament.sql.generated.Tables.WEBHOOK_LOGS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A page of integrations with their webhooks' pending count, deliveries (all, and of one state) and
 * attempts costs the same number of SQL statements for 60 webhooks as for 6, and every webhook gets
 * its own rows.
 */
class WebhookBatchLoadingTest extends ApiIntegrationTest {
  private static final String PAGE =
      """
      query Page($size: Int) {
        integrations(size: $size) {
          items {
            name
            webhook {
              pending
              deliveries(size: 1) { total items { messageId state } }
              delivered: deliveries(state: DELIVERED) { total }
              logs(size: 5) { total items { attempt statusCode } }
            }
          }
        }
      }""";

  private static final String CREATE =
      "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }";

  @Autowired SharedTestBeans.StatementCounter counter;

  @Test
  @SuppressWarnings("unchecked")
  void aPageOfSixtyWebhooksCostsTheStatementsOfAPageOfSix() {
    // The other tests' integrations share the organization: these are told apart by their names.
    String prefix = "wb" + UUID.randomUUID().toString().substring(0, 8);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String name = String.format("%s-%02d", prefix, i);
      ids.add(
          graphQl
              .document(CREATE)
              .variable(
                  "i",
                  Map.of(
                      "name",
                      name,
                      "url",
                      "http://127.0.0.1:9/" + i,
                      "filter",
                      Map.of("namePrefix", name + "/")))
              .execute()
              .path("createWebhook.webhook.id")
              .entity(String.class)
              .get());
    }
    UUID org =
        dsl.select(WEBHOOKS.ORGANIZATION_ID)
            .from(WEBHOOKS)
            .where(WEBHOOKS.ID.eq(UUID.fromString(ids.get(0))))
            .fetchSingle()
            .value1();
    // Paused, so that the API's delivery worker leaves their deliveries alone.
    dsl.update(WEBHOOKS)
        .set(WEBHOOKS.STATUS, "PAUSED")
        .where(WEBHOOKS.ID.in(ids.stream().map(UUID::fromString).toList()))
        .execute();
    // Webhook i has i % 3 deliveries: the first delivered after one attempt, the others pending.
    for (int i = 0; i < 60; i++) {
      UUID webhook = UUID.fromString(ids.get(i));
      for (int k = 0; k < i % 3; k++) {
        long delivery =
            dsl.insertInto(WEBHOOK_DELIVERIES)
                .set(WEBHOOK_DELIVERIES.WEBHOOK_ID, webhook)
                .set(WEBHOOK_DELIVERIES.ORGANIZATION_ID, org)
                .set(WEBHOOK_DELIVERIES.MESSAGE_ID, "msg_" + i + "_" + k)
                .set(WEBHOOK_DELIVERIES.EVENT_NAME, "test/event")
                .set(WEBHOOK_DELIVERIES.EVENT_AT, OffsetDateTime.now())
                .set(WEBHOOK_DELIVERIES.PAYLOAD, "{}")
                .set(WEBHOOK_DELIVERIES.STATE, k == 0 ? "DELIVERED" : "PENDING")
                .returning(WEBHOOK_DELIVERIES.ID)
                .fetchSingle()
                .getId();
        if (k == 0) {
          dsl.insertInto(WEBHOOK_LOGS)
              .set(WEBHOOK_LOGS.WEBHOOK_ID, webhook)
              .set(WEBHOOK_LOGS.ORGANIZATION_ID, org)
              .set(WEBHOOK_LOGS.DELIVERY_ID, delivery)
              .set(WEBHOOK_LOGS.MESSAGE_ID, "msg_" + i + "_" + k)
              .set(WEBHOOK_LOGS.ATTEMPT, 1)
              .set(WEBHOOK_LOGS.URL, "http://127.0.0.1:9/" + i)
              .set(WEBHOOK_LOGS.REQUEST_BODY, "{}")
              .set(WEBHOOK_LOGS.STATUS_CODE, 204)
              .set(WEBHOOK_LOGS.LATENCY_MS, 3)
              .execute();
        }
      }
    }

    int six = statements(6);
    assertThat(statements(60)).isEqualTo(six);

    Map<String, Map<String, Object>> mine = itemsNamed(PAGE, "integrations.items", prefix);
    assertThat(mine).hasSize(60);
    for (int i = 0; i < 60; i++) {
      Map<String, Object> webhook =
          (Map<String, Object>) mine.get(String.format("%s-%02d", prefix, i)).get("webhook");
      int deliveries = i % 3;
      assertThat(webhook.get("pending")).isEqualTo(Math.max(0, deliveries - 1));
      assertThat(((Map<?, ?>) webhook.get("deliveries")).get("total")).isEqualTo(deliveries);
      assertThat(((Map<?, ?>) webhook.get("delivered")).get("total"))
          .isEqualTo(Math.min(1, deliveries));
      assertThat(webhook.get("logs"))
          .isEqualTo(
              deliveries == 0
                  ? Map.of("total", 0, "items", List.of())
                  : Map.of("total", 1, "items", List.of(Map.of("attempt", 1, "statusCode", 204))));
      if (deliveries > 0) {
        // The newest delivery first.
        assertThat(((Map<?, ?>) webhook.get("deliveries")).get("items"))
            .isEqualTo(
                List.of(
                    Map.of(
                        "messageId",
                        "msg_" + i + "_" + (deliveries - 1),
                        "state",
                        deliveries == 1 ? "DELIVERED" : "PENDING")));
      }
    }
  }

  private int statements(int size) {
    return counter.of(
        () -> graphQl.document(PAGE).variable("size", size).execute().errors().verify());
  }
}
