package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A page of ledgers with their instances costs the same number of SQL statements for 60 ledgers as
 * for 6, and each ledger gets its own instances.
 */
class LedgerBatchLoadingTest extends ApiIntegrationTest {
  private static final String PAGE =
      """
      query Page($size: Int) {
        ledgers(size: $size) {
          items { name instances(size: 2, sort: "version") { total items { version data } } }
        }
      }""";

  @Autowired SharedTestBeans.StatementCounter counter;

  @Test
  void aPageOfSixtyLedgersCostsTheStatementsOfAPageOfSix() {
    String prefix = "lb" + UUID.randomUUID().toString().substring(0, 8);
    for (int i = 0; i < 60; i++) {
      String name = String.format("%s-%02d", prefix, i);
      graphQl
          .document(
              "mutation($i: CreateLedgerInput!) { createLedger(input: $i) { ledger { id } } }")
          .variable(
              "i",
              Map.of(
                  "name",
                  name,
                  "description",
                  "",
                  "scope",
                  "ORGANIZATION",
                  "direction",
                  "CLOUD_TO_DEVICE"))
          .execute()
          .errors()
          .verify();
      graphQl
          .document(
              "mutation($i: SetLedgerInstanceInput!) { setLedgerInstance(input: $i) { instance {"
                  + " version } } }")
          .variable("i", Map.of("ledgerName", name, "data", "{\"n\": " + i + "}"))
          .execute()
          .errors()
          .verify();
    }

    int six = statements(6);
    assertThat(statements(60)).isEqualTo(six);

    Map<String, Map<String, Object>> mine = itemsNamed(PAGE, "ledgers.items", prefix);
    assertThat(mine).hasSize(60);
    for (int i = 0; i < 60; i++) {
      Map<?, ?> instances =
          (Map<?, ?>) mine.get(String.format("%s-%02d", prefix, i)).get("instances");
      assertThat(instances.get("total")).isEqualTo(1);
      List<?> list = (List<?>) instances.get("items");
      assertThat(list).hasSize(1);
      assertThat(((Map<?, ?>) list.getFirst()).get("data")).isEqualTo("{\"n\":" + i + "}");
    }
  }

  private int statements(int size) {
    return counter.of(
        () -> graphQl.document(PAGE).variable("size", size).execute().errors().verify());
  }
}
