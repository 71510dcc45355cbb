package dev.firmament.delta.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The worker threads of one diff: a fixed pool of daemon threads, shut down by its user. */
public final class DiffPool {
  /** Upper bound of a diff's worker threads (fewer when the machine has fewer cores). */
  public static final int MAX_THREADS = 4;

  private DiffPool() {}

  /** A pool of at most {@link #MAX_THREADS} daemon threads named {@code name}. */
  public static ExecutorService create(String name) {
    int threads = Math.max(1, Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()));
    return Executors.newFixedThreadPool(
        threads,
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }
}
