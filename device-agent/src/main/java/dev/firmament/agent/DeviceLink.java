package dev.firmament.agent;

import java.time.Duration;

/**
 * A device's connection as an {@link Inbound.Filter} may use it. Both methods are called on, and
 * run their work on, the device's own serial executor.
 */
interface DeviceLink {

  /**
   * Drops the connection now, the way a network failure would (the broker publishes the last will),
   * and reconnects after {@code reconnectAfter}. Reports made until then are not sent.
   */
  void drop(Duration reconnectAfter);

  /** Runs {@code task} on the device's serial executor after {@code delayNanos}. */
  void runLater(Runnable task, long delayNanos);
}
