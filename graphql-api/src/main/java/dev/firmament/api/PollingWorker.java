package dev.firmament.api;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;

/**
 * A background worker of the API process that runs a round every interval on a thread of its own
 * and hands its work to an executor: webhook delivery and cloud code. It stops at once, as a killed
 * process would as far as its claims are concerned: work in flight is interrupted and left to the
 * claims' expiry.
 */
public abstract class PollingWorker implements SmartLifecycle {
  private volatile boolean running;
  private ScheduledExecutorService ticker;
  private ExecutorService workers;

  /** Whether this process runs the worker at all (its setting). */
  protected abstract boolean enabled();

  protected abstract Duration interval();

  /** The name of the round's thread. */
  protected abstract String name();

  /** The executor the rounds hand their work to. */
  protected abstract ExecutorService newExecutor();

  /** One round; it must not throw. */
  protected abstract void tick();

  /** Called once started. */
  protected void started() {}

  protected final ExecutorService workers() {
    return workers;
  }

  @Override
  public synchronized void start() {
    if (running || !enabled()) {
      return;
    }
    running = true;
    workers = newExecutor();
    ticker =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name(name()).daemon().factory());
    long every = interval().toMillis();
    ticker.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    started();
  }

  @Override
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    ticker.shutdownNow();
    workers.shutdownNow();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
      ticker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
