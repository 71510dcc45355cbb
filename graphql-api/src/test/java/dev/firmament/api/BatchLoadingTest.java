package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.ExecuteListenerProvider;
import org.jooq.impl.DefaultExecuteListenerProvider;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Child fields load in batches: a page of devices with their nested fields (product, group,
 * firmware, the rollouts they took part in and those rollouts' products) costs the same number of
 * SQL statements for 100 devices as for 10. Statements are counted on the thread that serves the
 * request (the data loaders dispatch on it); the rest of the application (the audit sealer, the
 * schedulers) is not counted.
 */
@Import(BatchLoadingTest.Counting.class)
class BatchLoadingTest extends ApiTestBase {
  /** Counts jOOQ statements per thread. */
  static final class StatementCounter implements ExecuteListener {
    final Map<Thread, AtomicInteger> byThread = new ConcurrentHashMap<>();

    @Override
    public void executeStart(ExecuteContext ctx) {
      byThread.computeIfAbsent(Thread.currentThread(), t -> new AtomicInteger()).incrementAndGet();
    }

    int onThisThread() {
      AtomicInteger count = byThread.get(Thread.currentThread());
      return count == null ? 0 : count.get();
    }
  }

  @TestConfiguration
  static class Counting {
    @Bean
    StatementCounter statementCounter() {
      return new StatementCounter();
    }

    @Bean
    ExecuteListenerProvider countingListener(StatementCounter counter) {
      return new DefaultExecuteListenerProvider(counter);
    }
  }

  private static final String PAGE =
      """
      query Page($id: ID!, $size: Int) {
        product(id: $id) {
          devices(perPage: $size) {
            id name online
            product { id name firmware { version } }
            deviceGroup { id name product { id } }
            firmwareVersion { version title }
            updates(size: 5) { total items { state job { id status product { id } } } }
          }
        }
      }""";

  @Autowired StatementCounter counter;

  @Test
  void aPageOfAHundredDevicesCostsTheStatementsOfAPageOfTen() {
    String productId = createProduct();
    List<String> ids = registerDevices(productId, unique("batch"), 100);
    createGroup(productId, unique("group"), ids.subList(0, 50));

    int ten = statementsFor(productId, 10);
    int hundred = statementsFor(productId, 100);

    // The page, its product, and one statement per nested field (10 when written): the loads are
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
