package dev.firmament.orchestrator.determinism.bad;

import java.io.File;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A workflow that breaks every determinism rule, so that the check can be shown to fail. It is
 * never registered with a worker.
 */
public class BadWorkflowImpl {
  private static int runs;
  private final ConcurrentHashMap<String, String> cache = new ConcurrentHashMap<>();

  public long run() throws InterruptedException, SQLException {
    runs++;
    Thread.sleep(10);
    long now = System.currentTimeMillis();
    int draw = new Random().nextInt();
    boolean exists = new File("/tmp/x").exists();
    DriverManager.getConnection("jdbc:postgresql://localhost/x").close();
    cache.put("k", BadHelper.id());
    return now + draw + (exists ? 1 : 0) + runs;
  }
}
