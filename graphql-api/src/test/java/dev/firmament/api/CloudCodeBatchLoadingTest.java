package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A page of cloud codes with their versions and their functions' device-call allowances and runs
 * costs the same number of SQL statements for 20 cloud codes as for 2, and each gets its own.
 */
class CloudCodeBatchLoadingTest extends ApiIntegrationTest {
  private static final String PAGE =
      """
      query Page($size: Int) {
        cloudCodes(size: $size) {
          items {
            name
            versions { version }
            functions { name deviceCalls { deviceIds maxPerRun } runs(size: 1) { total } }
          }
        }
      }""";

  @Autowired SharedTestBeans.StatementCounter counter;

  @Test
  @SuppressWarnings("unchecked")
  void aPageOfTwentyCloudCodesCostsTheStatementsOfAPageOfTwo() {
    String prefix = "cb" + UUID.randomUUID().toString().substring(0, 8);
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("cbdev"), 20);
    for (int i = 0; i < 20; i++) {
      String name = String.format("%s-%02d", prefix, i);
      String codeId =
          graphQl
              .document(
                  "mutation($i: DeployCloudCodeInput!) { deployCloudCode(input: $i) { cloudCode {"
                      + " id } } }")
              .variable("i", Map.of("name", name, "module", CloudCodeTest.module("echo")))
              .execute()
              .path("deployCloudCode.cloudCode.id")
              .entity(String.class)
              .get();
      // Every other function may call one device; the others none. Their filter hears nothing.
      Map<String, Object> input =
          new java.util.HashMap<>(
              Map.of(
                  "cloudCodeId",
                  codeId,
                  "name",
                  "fn",
                  "handler",
                  "on_event",
                  "trigger",
                  "EVENT",
                  "filter",
                  Map.of("namePrefix", name + "/")));
      if (i % 2 == 0) {
        input.put("deviceCalls", Map.of("deviceIds", List.of(devices.get(i)), "maxPerRun", 1));
      }
      graphQl
          .document(
              "mutation($i: CreateCloudCodeFunctionInput!) { createCloudCodeFunction(input: $i) {"
                  + " function { id } } }")
          .variable("i", input)
          .execute()
          .errors()
          .verify();
    }

    int two = statements(2);
    assertThat(statements(20)).isEqualTo(two);

    Map<String, Map<String, Object>> mine = itemsNamed(PAGE, "cloudCodes.items", prefix);
    assertThat(mine).hasSize(20);
    for (Map<String, Object> code : mine.values()) {
      String name = (String) code.get("name");
      int i = Integer.parseInt(name.substring(prefix.length() + 1));
      assertThat(code.get("versions")).isEqualTo(List.of(Map.of("version", 1)));
      List<Map<String, Object>> functions = (List<Map<String, Object>>) code.get("functions");
      assertThat(functions).hasSize(1);
      assertThat(functions.getFirst().get("runs")).isEqualTo(Map.of("total", 0));
      assertThat(functions.getFirst().get("deviceCalls"))
          .isEqualTo(
              i % 2 == 0 ? Map.of("deviceIds", List.of(devices.get(i)), "maxPerRun", 1) : null);
    }
  }

  private int statements(int size) {
    return counter.of(
        () -> graphQl.document(PAGE).variable("size", size).execute().errors().verify());
  }
}
