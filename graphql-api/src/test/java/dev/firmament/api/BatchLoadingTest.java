package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Child fields load in batches: a page of devices with their nested fields (product with its fleet,
 * firmware and release, groups with their releases, the target version, firmware, the rollouts they
 * took part in and those rollouts' products) costs the same number of SQL statements for 100
 * devices as for 10. Statements are counted on the thread that serves the request (the data loaders
 * dispatch on it); the rest of the application (the audit sealer, the schedulers) is not counted.
 */
class BatchLoadingTest extends ApiIntegrationTest {
  private static final String PAGE =
      """
      query Page($id: ID!, $size: Int) {
        product(id: $id) {
          devices(perPage: $size) {
            id name online tags firmwareLock targetFirmwareVersion info { platform }
            groups { name releasedFirmware { version } }
            product {
              id name fleet { name } releasedFirmware { version }
              firmware { total items { version } } groups { total items { name } }
            }
            deviceGroup { id name product { id } }
            functions { name } variables { name type }
            firmwareVersion { version title }
            updates(size: 5) { total items { state job { id status product { id } } } }
          }
        }
      }""";

  @Autowired SharedTestBeans.StatementCounter counter;

  @Test
  void aPageOfAHundredDevicesCostsTheStatementsOfAPageOfTen() {
    String productId = createProduct();
    List<String> ids = registerDevices(productId, unique("batch"), 100);
    createGroup(productId, unique("group"), ids.subList(0, 50));

    int ten = statementsFor(productId, 10);
    int hundred = statementsFor(productId, 100);

    // The page, its product, and one statement per nested field: the loads are
    // counted, so a field that loaded per device would show as 90 more for the larger page.
    assertThat(ten).isGreaterThanOrEqualTo(8);
    assertThat(hundred).isEqualTo(ten);
  }

  private int statementsFor(String productId, int size) {
    // Once unmeasured, so that what is cached per credential (its lookup) is the same for both.
    run(productId, size);
    int before = counter.onThisThread();
    run(productId, size);
    return counter.onThisThread() - before;
  }

  private void run(String productId, int size) {
    graphQl
        .document(PAGE)
        .variable("id", productId)
        .variable("size", size)
        .execute()
        .path("product.devices")
        .entityList(Object.class)
        .hasSize(size);
  }
}
