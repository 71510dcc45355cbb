package dev.firmament.api;

import dev.firmament.protocol.broker.BrokerAccounts;
import dev.firmament.protocol.broker.BrokerAccountsException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.ExecuteListenerProvider;
import org.jooq.impl.DefaultExecuteListenerProvider;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Beans every API test's context holds, so that the tests that use them share the one context (each
 * context of its own costs a start): a broker that keeps device accounts, in memory, and a count of
 * SQL statements per thread.
 */
@TestConfiguration
class SharedTestBeans {
  /** A broker's account list in memory, which a test can take down. */
  static final class FakeBroker implements BrokerAccounts {
    final Map<String, String> secrets = new ConcurrentHashMap<>();
    volatile boolean down;

    @Override
    public void provision(Map<String, String> secretByDevice) {
      if (down) {
        throw new BrokerAccountsException("the broker at test:1883 did not confirm");
      }
      secrets.putAll(secretByDevice);
    }
  }

  /** Counts jOOQ statements per thread. */
  static final class StatementCounter implements ExecuteListener {
    private final Map<Thread, AtomicInteger> byThread = new ConcurrentHashMap<>();

    @Override
    public void executeStart(ExecuteContext ctx) {
      byThread.computeIfAbsent(Thread.currentThread(), t -> new AtomicInteger()).incrementAndGet();
    }

    int onThisThread() {
      AtomicInteger count = byThread.get(Thread.currentThread());
      return count == null ? 0 : count.get();
    }

    /**
     * The statements {@code request} makes on this thread: the fewest of three measured runs after
     * an unmeasured one. The first run fills what is cached per credential (its lookup); the fewest
     * leaves out what the request does only now and then (a credential's cached grant expiring, its
     * last use recorded at most once a minute), so that two requests compare.
     */
    int of(Runnable request) {
      request.run();
      int fewest = Integer.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        int before = onThisThread();
        request.run();
        fewest = Math.min(fewest, onThisThread() - before);
      }
      return fewest;
    }
  }

  @Bean
  FakeBroker brokerAccounts() {
    return new FakeBroker();
  }

  @Bean
  StatementCounter statementCounter() {
    return new StatementCounter();
  }

  @Bean
  ExecuteListenerProvider countingListener(StatementCounter counter) {
    return new DefaultExecuteListenerProvider(counter);
  }
}
