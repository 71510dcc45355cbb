package dev.firmament.protocol;

import io.reactivex.exceptions.UndeliverableException;
import io.reactivex.plugins.RxJavaPlugins;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process-wide RxJava error handler for the MQTT client.
 *
 * <p>The HiveMQ client runs on RxJava 2. When an executor the client hands callbacks to has been
 * shut down while a connection is still winding down, RxJava has nowhere to deliver the resulting
 * {@link RejectedExecutionException} and, without a handler, prints a stack trace and passes it to
 * the thread's uncaught-exception handler. During shutdown that is noise, so it is logged at debug.
 * Any other undeliverable error is logged as a warning.
 *
 * <p>Installed once by the device gateway and the agent runtime; a handler that the application
 * installed itself is left alone.
 */
public final class MqttShutdownErrors {

  private static final Logger log = LoggerFactory.getLogger(MqttShutdownErrors.class);
  private static final AtomicBoolean installed = new AtomicBoolean();

  private MqttShutdownErrors() {}

  /** Installs the handler unless RxJava already has one. Safe to call any number of times. */
  public static void install() {
    if (!installed.compareAndSet(false, true)) {
      return;
    }
    synchronized (RxJavaPlugins.class) {
      if (RxJavaPlugins.getErrorHandler() == null && !RxJavaPlugins.isLockdown()) {
        RxJavaPlugins.setErrorHandler(MqttShutdownErrors::handle);
      }
    }
  }

  static void handle(Throwable error) {
    Throwable cause =
        error instanceof UndeliverableException && error.getCause() != null
            ? error.getCause()
            : error;
    if (cause instanceof RejectedExecutionException) {
      log.debug("mqtt callback after its executor stopped (shutdown): {}", cause.getMessage());
    } else if (cause instanceof InterruptedException) {
      log.debug("mqtt callback interrupted (shutdown): {}", cause.getMessage());
    } else {
      log.warn("undeliverable error in the mqtt client", cause);
    }
  }
}
